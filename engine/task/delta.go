package task

import (
	"encoding/json"
	"maps"
	"strconv"
	"time"
)

// Delta is a task's id with the fields that changed, in the contract's order,
// each already encoded as JSON.
type Delta struct {
	ID      string
	BatchID *string // to filter by subscription; not itself sent
	Fields  []Field
}

// Field is one changed field.
type Field struct {
	Name string
	JSON []byte
}

// Empty reports whether nothing changed.
func (d Delta) Empty() bool { return len(d.Fields) == 0 }

// AppendJSON appends {"id":…, <fields>} to b.
func (d Delta) AppendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendQuote(b, d.ID) // ids are UUIDs: plain ASCII
	for _, f := range d.Fields {
		b = append(b, ',', '"')
		b = append(b, f.Name...)
		b = append(b, '"', ':')
		b = append(b, f.JSON...)
	}
	return append(b, '}')
}

// Diff returns the fields of cur that differ from old. With withState the
// state is included even when unchanged, as TASK_UPDATED requires.
func Diff(old, cur *Task, withState bool) Delta {
	d := Delta{ID: cur.ID, BatchID: cur.BatchID}
	for _, f := range fieldTable {
		if f.eq(old, cur) && !(withState && f.name == "state") {
			continue
		}
		raw, err := json.Marshal(f.get(cur))
		if err != nil {
			continue // every field is a plain JSON value; this cannot happen
		}
		d.Fields = append(d.Fields, Field{Name: f.name, JSON: raw})
	}
	return d
}

type fieldDef struct {
	name string
	eq   func(a, b *Task) bool
	get  func(t *Task) any
}

func plain[T comparable](name string, get func(*Task) T) fieldDef {
	return fieldDef{name, func(a, b *Task) bool { return get(a) == get(b) }, func(t *Task) any { return get(t) }}
}

func ptr[T comparable](name string, get func(*Task) *T) fieldDef {
	return fieldDef{name, func(a, b *Task) bool {
		x, y := get(a), get(b)
		return x == y || x != nil && y != nil && *x == *y
	}, func(t *Task) any { return get(t) }}
}

func when(name string, get func(*Task) *time.Time) fieldDef {
	return fieldDef{name, func(a, b *Task) bool {
		x, y := get(a), get(b)
		return x == y || x != nil && y != nil && x.Equal(*y)
	}, func(t *Task) any { return get(t) }}
}

// fieldTable lists every field but id, in the contract's order.
var fieldTable = []fieldDef{
	plain("url", func(t *Task) string { return t.URL }),
	plain("filename", func(t *Task) string { return t.Filename }),
	plain("destination", func(t *Task) string { return t.Destination }),
	plain("category", func(t *Task) string { return t.Category }),
	plain("priority", func(t *Task) int { return t.Priority }),
	plain("state", func(t *Task) State { return t.State }),
	plain("progress", func(t *Task) float64 { return t.Progress }),
	plain("size", func(t *Task) int64 { return t.Size }),
	plain("downloaded", func(t *Task) int64 { return t.Downloaded }),
	plain("speed", func(t *Task) float64 { return t.Speed }),
	plain("eta", func(t *Task) float64 { return t.ETA }),
	plain("retry_count", func(t *Task) int { return t.RetryCount }),
	ptr("error_message", func(t *Task) *string { return t.ErrorMessage }),
	{"created_at", func(a, b *Task) bool { return a.CreatedAt.Equal(b.CreatedAt) }, func(t *Task) any { return t.CreatedAt }},
	when("started_at", func(t *Task) *time.Time { return t.StartedAt }),
	when("completed_at", func(t *Task) *time.Time { return t.CompletedAt }),
	when("wait_until", func(t *Task) *time.Time { return t.WaitUntil }),
	ptr("batch_id", func(t *Task) *string { return t.BatchID }),
	ptr("batch_name", func(t *Task) *string { return t.BatchName }),
	ptr("checksum", func(t *Task) *string { return t.Checksum }),
	{"meta", func(a, b *Task) bool { return maps.Equal(a.Meta, b.Meta) }, func(t *Task) any { return t.Meta }},
}
