package task

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Every JSON field of Task but id and batch_id (which every delta carries)
// must be diffable, or a change to it would never reach a client; fields
// kept off the wire ("-") are not sent at all.
func TestFieldTableCoversTask(t *testing.T) {
	var names []string
	for _, f := range fieldTable {
		names = append(names, f.name)
	}
	typ := reflect.TypeOf(Task{})
	var want []string
	for i := range typ.NumField() {
		if tag := strings.Split(typ.Field(i).Tag.Get("json"), ",")[0]; tag != "id" && tag != "batch_id" && tag != "-" {
			want = append(want, tag)
		}
	}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("field table %v\nTask fields %v", names, want)
	}
}

func TestDiffIsMinimalAndDecodesToTheNewValues(t *testing.T) {
	bid := "b1"
	old := Task{ID: "x", URL: "http://h/f", State: Downloading, Size: 100, CreatedAt: Now(), BatchID: &bid, Meta: map[string]string{"k": "v"}}
	cur := old.Clone()
	cur.SetProgress(33, 100)
	cur.Speed, cur.ETA = 12.5, 5.36
	d := Diff(&old, &cur, false)
	var got map[string]any
	if err := json.Unmarshal(d.AppendJSON(nil), &got); err != nil {
		t.Fatalf("%s: %v", d.AppendJSON(nil), err)
	}
	want := map[string]any{"id": "x", "batch_id": "b1", "progress": 33.0, "downloaded": 33.0, "speed": 12.5, "eta": 5.36}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("delta %v, want %v", got, want)
	}
	if d := Diff(&cur, &cur, false); !d.Empty() {
		t.Fatalf("no change gave %s", d.AppendJSON(nil))
	}
	withState := Diff(&cur, &cur, true)
	if string(withState.AppendJSON(nil)) != `{"id":"x","batch_id":"b1","state":"DOWNLOADING"}` {
		t.Fatalf("TASK_UPDATED delta %s", withState.AppendJSON(nil))
	}
	lone, loneCur := old.Clone(), cur.Clone()
	lone.BatchID, loneCur.BatchID = nil, nil
	if s := string(Diff(&lone, &loneCur, false).AppendJSON(nil)); strings.Contains(s, "batch_id") {
		t.Fatalf("a standalone task's delta names a batch: %s", s)
	}
	msg := "boom"
	later := cur.Clone()
	later.State, later.ErrorMessage, later.CompletedAt = Failed, &msg, TimePtr(Now().Add(time.Second))
	if s := string(Diff(&cur, &later, true).AppendJSON(nil)); !strings.Contains(s, `"error_message":"boom"`) || !strings.Contains(s, `"completed_at":"`) || strings.Contains(s, "url") {
		t.Fatalf("state change delta %s", s)
	}
}

func TestAppendFloatMatchesEncodingJSON(t *testing.T) {
	for _, f := range []float64{0, 1, -2.5, 33.333333333333336, 1e-7, 1e21, 123456789.125, math.MaxInt64} {
		want, _ := json.Marshal(f)
		if got := appendFloat(nil, f); string(got) != string(want) {
			t.Errorf("appendFloat(%v) = %s, want %s", f, got, want)
		}
	}
}
