package gateway

import (
	"encoding/json"
	"testing"

	"github.com/fetchd/fetchd/engine/task"
	"github.com/fetchd/fetchd/wsconn"
)

// A frame for a subscribed connection is the engine's frame with only the
// tasks it sees, still valid JSON; whatever arrives, nothing panics.
func FuzzCut(f *testing.F) {
	f.Add([]byte(`{"type":"TASK_BATCH_UPDATE","ts":1,"seq":2,"tasks":[{"id":"a","progress":1},{"id":"b","batch_id":"B","progress":2}]}`), "B")
	f.Add([]byte(`{"type":"SYNC_ALL","ts":1,"seq":2,"epoch":"E","tasks":[{"id":"a"},{"id":"b"}]}`), "a")
	f.Add([]byte(`{"type":"TASK_REMOVED","ts":1,"seq":3,"task_id":"a","batch_id":null}`), "a")
	f.Add([]byte(`{"type":"TASK_ADDED","ts":1,"seq":3,"task":{"id":"c"}}`), "x")
	f.Fuzz(func(t *testing.T, payload []byte, sub string) {
		frame := wsconn.TextFrame(payload)
		got := cutTasks(frame).seen(task.Subscriptions{sub: {}})
		if got == nil {
			return
		}
		out, rest := wsconn.Payload(got)
		if out == nil || len(rest) != 0 {
			t.Fatalf("not one frame: %q", got)
		}
		if json.Valid(payload) && !json.Valid(out) {
			t.Fatalf("valid %q cut to invalid %q", payload, out)
		}
		var msg struct{ Tasks []taskKey }
		if json.Unmarshal(payload, &msg) == nil && len(out) < len(payload) {
			var cut struct{ Tasks []taskKey }
			if err := json.Unmarshal(out, &cut); err != nil {
				t.Fatal(err)
			}
			for _, k := range cut.Tasks {
				if !k.seenBy(task.Subscriptions{sub: {}}) {
					t.Fatalf("a task the connection does not see: %+v in %q", k, out)
				}
			}
		}
		seenEvents(append(frame, frame...), [][]string{{sub}}, task.Subscriptions{sub: {}})
	})
}
