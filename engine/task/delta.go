package task

import (
	"encoding/json"
	"maps"
	"math"
	"strconv"
	"time"
)

// Delta is a task's id with the fields that changed, in PROTOCOL.md's order.
type Delta struct {
	ID      string
	BatchID *string // sent with every delta: clients file batch tasks by it
	Fields  []byte  // the changed fields, encoded: `,"name":value` each
}

// Empty reports whether nothing changed.
func (d Delta) Empty() bool { return len(d.Fields) == 0 }

// AppendJSON appends {"id":…, "batch_id":… when it has one, <fields>} to b.
func (d Delta) AppendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendQuote(b, d.ID) // ids are UUIDs: plain ASCII
	if d.BatchID != nil {
		b = append(b, `,"batch_id":`...)
		b = strconv.AppendQuote(b, *d.BatchID)
	}
	b = append(b, d.Fields...)
	return append(b, '}')
}

// Diff returns the fields of cur that differ from old. With withState the
// state is included even when unchanged, as TASK_UPDATED requires. It runs
// for every moving task at every flush, so it encodes by hand.
func Diff(old, cur *Task, withState bool) Delta {
	d := Delta{ID: cur.ID, BatchID: cur.BatchID, Fields: make([]byte, 0, 96)}
	for i := range fieldTable {
		f := &fieldTable[i]
		if f.eq(old, cur) && !(withState && f.name == "state") {
			continue
		}
		d.Fields = append(d.Fields, ',', '"')
		d.Fields = append(d.Fields, f.name...)
		d.Fields = append(d.Fields, '"', ':')
		d.Fields = f.enc(d.Fields, cur)
	}
	return d
}

type fieldDef struct {
	name string
	eq   func(a, b *Task) bool
	enc  func(b []byte, t *Task) []byte
}

func integer[T int | int64](name string, get func(*Task) T) fieldDef {
	return fieldDef{name,
		func(a, b *Task) bool { return get(a) == get(b) },
		func(b []byte, t *Task) []byte { return strconv.AppendInt(b, int64(get(t)), 10) }}
}

func number(name string, get func(*Task) float64) fieldDef {
	return fieldDef{name,
		func(a, b *Task) bool { return get(a) == get(b) },
		func(b []byte, t *Task) []byte { return appendFloat(b, get(t)) }}
}

// other covers the rare fields: strings, times, maps; encoding/json does them.
func other[T any](name string, eq func(a, b *Task) bool, get func(*Task) T) fieldDef {
	return fieldDef{name, eq, func(b []byte, t *Task) []byte {
		raw, err := json.Marshal(get(t))
		if err != nil {
			return append(b, "null"...) // plain data; cannot happen
		}
		return append(b, raw...)
	}}
}

func same[T comparable](get func(*Task) T) func(a, b *Task) bool {
	return func(a, b *Task) bool { return get(a) == get(b) }
}

func samePtr[T comparable](get func(*Task) *T) func(a, b *Task) bool {
	return func(a, b *Task) bool {
		x, y := get(a), get(b)
		return x == y || x != nil && y != nil && *x == *y
	}
}

func sameTime(get func(*Task) *time.Time) func(a, b *Task) bool {
	return func(a, b *Task) bool {
		x, y := get(a), get(b)
		return x == y || x != nil && y != nil && x.Equal(*y)
	}
}

// appendFloat writes f as encoding/json would.
func appendFloat(b []byte, f float64) []byte {
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) || math.IsNaN(f) || math.IsInf(f, 0) {
		raw, err := json.Marshal(f)
		if err != nil {
			return append(b, '0') // NaN or Inf: never produced by the engine
		}
		return append(b, raw...)
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}

// fieldTable lists every field but id and batch_id (which every delta
// carries, and which never changes), in PROTOCOL.md's order.
var fieldTable = []fieldDef{
	other("url", same(func(t *Task) string { return t.URL }), func(t *Task) string { return t.URL }),
	other("host", same(func(t *Task) string { return t.Host }), func(t *Task) string { return t.Host }),
	other("filename", same(func(t *Task) string { return t.Filename }), func(t *Task) string { return t.Filename }),
	other("destination", same(func(t *Task) string { return t.Destination }), func(t *Task) string { return t.Destination }),
	other("category", same(func(t *Task) string { return t.Category }), func(t *Task) string { return t.Category }),
	integer("priority", func(t *Task) int { return t.Priority }),
	other("state", same(func(t *Task) State { return t.State }), func(t *Task) State { return t.State }),
	number("progress", func(t *Task) float64 { return t.Progress }),
	integer("size", func(t *Task) int64 { return t.Size }),
	integer("downloaded", func(t *Task) int64 { return t.Downloaded }),
	number("speed", func(t *Task) float64 { return t.Speed }),
	number("eta", func(t *Task) float64 { return t.ETA }),
	integer("retry_count", func(t *Task) int { return t.RetryCount }),
	other("error_message", samePtr(func(t *Task) *string { return t.ErrorMessage }), func(t *Task) *string { return t.ErrorMessage }),
	other("created_at", func(a, b *Task) bool { return a.CreatedAt.Equal(b.CreatedAt) }, func(t *Task) time.Time { return t.CreatedAt }),
	other("started_at", sameTime(func(t *Task) *time.Time { return t.StartedAt }), func(t *Task) *time.Time { return t.StartedAt }),
	other("completed_at", sameTime(func(t *Task) *time.Time { return t.CompletedAt }), func(t *Task) *time.Time { return t.CompletedAt }),
	other("wait_until", sameTime(func(t *Task) *time.Time { return t.WaitUntil }), func(t *Task) *time.Time { return t.WaitUntil }),
	other("batch_name", samePtr(func(t *Task) *string { return t.BatchName }), func(t *Task) *string { return t.BatchName }),
	other("checksum", samePtr(func(t *Task) *string { return t.Checksum }), func(t *Task) *string { return t.Checksum }),
	other("meta", func(a, b *Task) bool { return maps.Equal(a.Meta, b.Meta) }, func(t *Task) map[string]string { return t.Meta }),
	other("headers", func(a, b *Task) bool { return maps.Equal(a.Headers, b.Headers) }, func(t *Task) map[string]string { return t.Headers }),
	integer("connections", func(t *Task) int { return t.Connections }),
	integer("segments", func(t *Task) int { return t.Segments }),
	integer("speed_limit", func(t *Task) int64 { return t.SpeedLimit }),
}
