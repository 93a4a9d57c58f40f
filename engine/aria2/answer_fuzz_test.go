package aria2

import (
	"encoding/json"
	"testing"

	"github.com/fetchd/fetchd/engine/task"
)

// stubEngine knows no task and takes every change.
type stubEngine struct{}

func (stubEngine) Add(r task.AddRequest) (task.Task, error) {
	return task.Task{ID: "t-" + r.URL, URL: r.URL, State: task.Queued}, nil
}
func (stubEngine) Get(string) (task.Task, error)              { return task.Task{}, task.ErrNotFound }
func (stubEngine) List(task.Query) (task.Page, error)         { return task.Page{Tasks: []task.Task{}}, nil }
func (stubEngine) Act(string, task.Action) (task.Task, error) { return task.Task{}, task.ErrNotFound }
func (stubEngine) Delete(string, bool) error                  { return task.ErrNotFound }
func (stubEngine) PauseAll() (int, error)                     { return 0, nil }
func (stubEngine) ResumeAll() (int, error)                    { return 0, nil }
func (stubEngine) Stats() (task.Stats, error)                 { return task.Stats{}, nil }
func (stubEngine) Settings() (task.Settings, error)           { return task.DefaultSettings(), nil }
func (stubEngine) UpdateSettings(p task.SettingsPatch) (task.Settings, error) {
	return p.Apply(task.DefaultSettings())
}

// Whatever a client sends, the answer is JSON: an object with id, jsonrpc
// and a result or an error, or a list of them for a batch.
func FuzzAnswer(f *testing.F) {
	for _, seed := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"aria2.getVersion"}`,
		`{"json-rpc":"2.0","id":-1,"method":"aria2.tellStatus","params":["token:t","0123456789abcdef",["gid"]]}`,
		`[{"id":1,"method":"system.multicall","params":[[{"methodName":"aria2.tellActive","params":["token:t"]}]]}]`,
		`{"id":1,"method":"aria2.addUri","params":["token:t",["http://h/x"],{"dir":"a","out":"b/c","header":["A: b"],"split":"3","max-download-limit":"1M","checksum":"sha-256=00"}]}`,
		`{"id":1,"method":"aria2.tellWaiting","params":["token:t",-3,"2"]}`,
		`{"id":1,"method":"aria2.changeGlobalOption","params":["token:t",{"max-concurrent-downloads":7,"split":[1]}]}`,
		`{"id":{},"method":[],"params":"x"}`, `[]`, `[1,"a",null]`, `{`, ``, `null`,
	} {
		f.Add([]byte(seed))
	}
	s := New(Config{Engine: stubEngine{}, Token: "t", DownloadDir: "/downloads"})
	f.Fuzz(func(t *testing.T, msg []byte) {
		out, status := s.answer(msg)
		var v any
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatalf("answer to %q is not JSON: %q", msg, out)
		}
		check := func(r any) {
			m, ok := r.(map[string]any)
			_, hasResult := m["result"]
			_, hasError := m["error"]
			if !ok || m["jsonrpc"] != "2.0" || hasResult == hasError {
				t.Fatalf("answer to %q: %q", msg, out)
			}
		}
		if list, ok := v.([]any); ok {
			for _, r := range list {
				check(r)
			}
		} else {
			check(v)
		}
		if status != 200 && status != 400 && status != 500 {
			t.Fatalf("status %d", status)
		}
	})
}
