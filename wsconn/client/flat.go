package client

import (
	"strconv"

	"github.com/fetchd/fetchd/engine/task"
)

// applyFlat applies a task object whose members are all numbers, strings
// without escapes, or null, each named in flatFields: what a batch of
// progress is made of. It reports false, having changed nothing, for any
// other object, which encoding/json then decodes: the result is the same,
// in a tenth of the time.
func applyFlat(t *task.Task, raw []byte) bool {
	c := *t
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return false
	}
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == '}' {
		return skipSpace(raw, i+1) == len(raw)
	}
	for {
		key, next, ok := plainString(raw, i)
		if !ok {
			return false
		}
		i = skipSpace(raw, next)
		if i >= len(raw) || raw[i] != ':' {
			return false
		}
		i = skipSpace(raw, i+1)
		var v value
		if v, i, ok = scalar(raw, i); !ok {
			return false
		}
		set, known := flatFields[string(key)]
		if !known || !set(&c, v) {
			return false
		}
		i = skipSpace(raw, i)
		if i >= len(raw) {
			return false
		}
		switch raw[i] {
		case ',':
			i = skipSpace(raw, i+1)
		case '}':
			if skipSpace(raw, i+1) != len(raw) {
				return false
			}
			*t = c
			return true
		default:
			return false
		}
	}
}

// value is one scalar: a number's or a string's bytes, or null.
type value struct {
	raw    []byte
	str    bool
	isNull bool
}

func scalar(raw []byte, i int) (value, int, bool) {
	switch {
	case i >= len(raw):
		return value{}, i, false
	case raw[i] == '"':
		s, next, ok := plainString(raw, i)
		return value{raw: s, str: true}, next, ok
	case len(raw)-i >= 4 && string(raw[i:i+4]) == "null":
		return value{isNull: true}, i + 4, true
	case raw[i] == '-' || raw[i] >= '0' && raw[i] <= '9':
		j := i + 1
		for j < len(raw) && (raw[j] >= '0' && raw[j] <= '9' || raw[j] == '.' || raw[j] == 'e' || raw[j] == 'E' || raw[j] == '+' || raw[j] == '-') {
			j++
		}
		return value{raw: raw[i:j]}, j, true
	}
	return value{}, i, false
}

// plainString reads a string at i that has no escape (so its bytes are
// its value) and is valid text; anything else is left to encoding/json.
func plainString(raw []byte, i int) ([]byte, int, bool) {
	if i >= len(raw) || raw[i] != '"' {
		return nil, i, false
	}
	for j := i + 1; j < len(raw); j++ {
		switch c := raw[j]; {
		case c == '"':
			return raw[i+1 : j], j + 1, true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return nil, i, false
		}
	}
	return nil, i, false
}

func skipSpace(raw []byte, i int) int {
	for i < len(raw) && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\r' || raw[i] == '\n') {
		i++
	}
	return i
}

// flatFields sets the task's scalar members from their JSON values, as
// encoding/json would: null leaves a number or a string as it was and
// empties a pointer; a value of the wrong kind is refused.
var flatFields = map[string]func(*task.Task, value) bool{
	"id":            str(func(t *task.Task) *string { return &t.ID }),
	"url":           str(func(t *task.Task) *string { return &t.URL }),
	"host":          str(func(t *task.Task) *string { return &t.Host }),
	"filename":      str(func(t *task.Task) *string { return &t.Filename }),
	"destination":   str(func(t *task.Task) *string { return &t.Destination }),
	"category":      str(func(t *task.Task) *string { return &t.Category }),
	"state":         state,
	"batch_id":      strPtr(func(t *task.Task) **string { return &t.BatchID }),
	"batch_name":    strPtr(func(t *task.Task) **string { return &t.BatchName }),
	"error_message": strPtr(func(t *task.Task) **string { return &t.ErrorMessage }),
	"checksum":      strPtr(func(t *task.Task) **string { return &t.Checksum }),
	"progress":      float(func(t *task.Task) *float64 { return &t.Progress }),
	"speed":         float(func(t *task.Task) *float64 { return &t.Speed }),
	"eta":           float(func(t *task.Task) *float64 { return &t.ETA }),
	"size":          integer(func(t *task.Task) *int64 { return &t.Size }),
	"downloaded":    integer(func(t *task.Task) *int64 { return &t.Downloaded }),
	"speed_limit":   integer(func(t *task.Task) *int64 { return &t.SpeedLimit }),
	"priority":      integer(func(t *task.Task) *int { return &t.Priority }),
	"retry_count":   integer(func(t *task.Task) *int { return &t.RetryCount }),
	"connections":   integer(func(t *task.Task) *int { return &t.Connections }),
	"segments":      integer(func(t *task.Task) *int { return &t.Segments }),
}

func str(field func(*task.Task) *string) func(*task.Task, value) bool {
	return func(t *task.Task, v value) bool {
		if v.isNull {
			return true
		}
		if !v.str {
			return false
		}
		*field(t) = string(v.raw)
		return true
	}
}

// state takes only the names PROTOCOL.md defines, as task.State does
// (which refuses null too).
func state(t *task.Task, v value) bool {
	st, err := task.ParseState(string(v.raw))
	if !v.str || err != nil {
		return false
	}
	t.State = st
	return true
}

func strPtr(field func(*task.Task) **string) func(*task.Task, value) bool {
	return func(t *task.Task, v value) bool {
		switch {
		case v.isNull:
			*field(t) = nil
		case v.str:
			if p := *field(t); p != nil && *p == string(v.raw) {
				return true // unchanged, as a batch id is in every delta: no copy
			}
			s := string(v.raw)
			*field(t) = &s
		default:
			return false
		}
		return true
	}
}

func float(field func(*task.Task) *float64) func(*task.Task, value) bool {
	return func(t *task.Task, v value) bool {
		if v.isNull {
			return true
		}
		f, err := strconv.ParseFloat(string(v.raw), 64)
		if v.str || err != nil || !validNumber(v.raw) {
			return false
		}
		*field(t) = f
		return true
	}
}

func integer[T int | int64](field func(*task.Task) *T) func(*task.Task, value) bool {
	return func(t *task.Task, v value) bool {
		if v.isNull {
			return true
		}
		n, err := strconv.ParseInt(string(v.raw), 10, 64)
		if v.str || err != nil || !validNumber(v.raw) || int64(T(n)) != n {
			return false
		}
		*field(t) = T(n)
		return true
	}
}

// validNumber holds a number to JSON's grammar, stricter than strconv's:
// no leading zero, no "+", digits on both sides of the point.
func validNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return false
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return false
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	return i == len(b)
}
