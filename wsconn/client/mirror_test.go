package client

import (
	"encoding/json"
	"fmt"
	"testing"
)

func TestMirrorAppliesInOrder(t *testing.T) {
	m := NewMirror()
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	steps := []Message{
		{Type: "SYNC_ALL", Tasks: []json.RawMessage{raw(`{"id":"a","state":"QUEUED","url":"u","meta":{}}`)}},
		{Type: "TASK_ADDED", Task: raw(`{"id":"b","state":"QUEUED","meta":{}}`)},
		{Type: "TASK_UPDATED", Task: raw(`{"id":"a","state":"DOWNLOADING","size":10}`)},
		{Type: "TASK_BATCH_UPDATE", Tasks: []json.RawMessage{raw(`{"id":"a","downloaded":5,"progress":50}`), raw(`{"id":"ghost","progress":1}`)}},
		{Type: "TASK_REMOVED", TaskID: "b"},
	}
	for _, s := range steps {
		if err := m.Apply(s); err != nil {
			t.Fatalf("%s: %v", s.Type, err)
		}
	}
	a, ok := m.Tasks["a"]
	if len(m.Tasks) != 1 || !ok || a.State != "DOWNLOADING" || a.URL != "u" || a.Downloaded != 5 || a.Progress != 50 || a.Size != 10 {
		t.Fatalf("mirror %+v", m.Tasks)
	}
	if err := m.Apply(Message{Type: "TASK_ADDED", Task: raw(`{"state":"QUEUED"}`)}); err == nil {
		t.Fatal("a task without an id must be an error")
	}
}

// A batch of 1,000 moving tasks, as a client applies it twice a second.
func BenchmarkMirrorBatchOf1000(b *testing.B) {
	m := NewMirror()
	sync := Message{Type: "SYNC_ALL"}
	batch := Message{Type: "TASK_BATCH_UPDATE"}
	for i := range 1000 {
		id := fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i)
		sync.Tasks = append(sync.Tasks, json.RawMessage(fmt.Sprintf(`{"id":%q,"state":"DOWNLOADING","url":"http://o/f%d","size":1000000,"meta":{"k":"v"},"headers":{}}`, id, i)))
		batch.Tasks = append(batch.Tasks, json.RawMessage(fmt.Sprintf(`{"id":%q,"batch_id":"b1","progress":12.34,"downloaded":123456,"speed":32768,"eta":27}`, id)))
	}
	if err := m.Apply(sync); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := m.Apply(batch); err != nil {
			b.Fatal(err)
		}
	}
}
