package client

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/fetchd/fetchd/engine/task"
)

func baseTask() task.Task {
	msg, batch, started := "boom", "b1", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return task.Task{ID: "a", URL: "http://o/f", State: task.Downloading, Progress: 1.5, Size: 100, Downloaded: 10,
		ErrorMessage: &msg, BatchID: &batch, StartedAt: &started, Meta: map[string]string{"k": "v"}, Headers: map[string]string{}}
}

// Whatever the object, the fast path either declines it or does exactly
// what encoding/json does.
func FuzzApplyFlat(f *testing.F) {
	for _, s := range []string{
		`{"id":"a","batch_id":"b1","progress":12.34,"downloaded":123456,"speed":32768,"eta":27}`,
		`{"id":"a","state":"PAUSED","speed":0,"eta":0,"segments":0}`,
		`{"id":"a","error_message":null,"batch_id":"b2","size":-1}`,
		` { "progress" : 1e3 , "downloaded" : 0 } `,
		`{"priority":1.5}`, `{"progress":01}`, `{"progress":"1"}`, `{"url":"a\"b"}`, `{"Progress":3}`,
		`{"meta":{"x":"y"}}`, `{}`, `{"id":"a",}`, `{"id":"a"}x`, `{"eta":-0.5e-3}`, `{"segments":99999999999999999999}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		fast := baseTask()
		if !applyFlat(&fast, raw) {
			if !reflect.DeepEqual(fast, baseTask()) {
				t.Fatalf("declined %q but changed the task: %+v", raw, fast)
			}
			return
		}
		std := baseTask()
		if err := json.Unmarshal(raw, &std); err != nil {
			t.Fatalf("fast path took %q, which encoding/json refuses: %v", raw, err)
		}
		if !reflect.DeepEqual(fast, std) {
			t.Fatalf("%q:\nfast %+v\njson %+v", raw, fast, std)
		}
	})
}

// A delta never writes into a copy of the task a caller took before it,
// whichever path decodes it, and a map it names is replaced, not merged.
func TestADeltaLeavesEarlierCopiesAlone(t *testing.T) {
	m := NewMirror()
	if err := m.Apply(Message{Type: "SYNC_ALL", Tasks: []json.RawMessage{json.RawMessage(
		`{"id":"a","state":"FAILED","error_message":"boom","batch_id":"b1","meta":{"k":"v","old":"x"}}`)}}); err != nil {
		t.Fatal(err)
	}
	before := m.Tasks["a"]
	for _, delta := range []string{
		`{"id":"a","batch_id":"b1","error_message":"later"}`,                       // fast path
		`{"id":"a","batch_id":"b1","error_message":"late\u0072","meta":{"k":"w"}}`, // encoding/json
	} {
		if err := m.Apply(Message{Type: "TASK_UPDATED", Task: json.RawMessage(delta)}); err != nil {
			t.Fatal(err)
		}
	}
	if *before.ErrorMessage != "boom" || *before.BatchID != "b1" || before.Meta["k"] != "v" {
		t.Fatalf("the earlier copy changed: %q %q %v", *before.ErrorMessage, *before.BatchID, before.Meta)
	}
	now := m.Tasks["a"]
	if *now.ErrorMessage != "later" || now.Meta["k"] != "w" || len(now.Meta) != 1 || now.State != task.Failed {
		t.Fatalf("after the deltas: %q %v %s", *now.ErrorMessage, now.Meta, now.State)
	}
}

// Only a delta's own members replace the task's: a meta key that shares a
// field's name leaves that field alone.
func TestANestedKeyIsNotAMember(t *testing.T) {
	m := NewMirror()
	if err := m.Apply(Message{Type: "SYNC_ALL", Tasks: []json.RawMessage{json.RawMessage(
		`{"id":"a","state":"QUEUED","batch_id":"b1","checksum":"sha256:00","meta":{}}`)}}); err != nil {
		t.Fatal(err)
	}
	if err := m.Apply(Message{Type: "TASK_UPDATED", Task: json.RawMessage(
		`{"id":"a","state":"QUEUED","meta":{"batch_id":"x","checksum":"y"}}`)}); err != nil {
		t.Fatal(err)
	}
	a := m.Tasks["a"]
	if a.BatchID == nil || *a.BatchID != "b1" || a.Checksum == nil || *a.Checksum != "sha256:00" || a.Meta["checksum"] != "y" {
		t.Fatalf("after a delta whose meta holds field names: batch %v checksum %v meta %v", a.BatchID, a.Checksum, a.Meta)
	}
}
