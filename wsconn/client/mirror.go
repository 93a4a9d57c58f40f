package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/fetchd/fetchd/engine/task"
)

// Mirror is a client's copy of the server's tasks, kept by applying every
// message in order: after a quiet moment it equals GET /api/downloads.
type Mirror struct {
	Tasks map[string]task.Task
}

// NewMirror returns an empty mirror.
func NewMirror() *Mirror { return &Mirror{Tasks: map[string]task.Task{}} }

// Apply folds one message into the mirror.
func (m *Mirror) Apply(msg Message) error {
	switch msg.Type {
	case "SYNC_ALL":
		m.Tasks = make(map[string]task.Task, len(msg.Tasks))
		for _, raw := range msg.Tasks {
			if err := m.merge(raw, true); err != nil {
				return err
			}
		}
	case "TASK_ADDED":
		return m.merge(msg.Task, true)
	case "TASK_UPDATED":
		return m.merge(msg.Task, false)
	case "TASK_BATCH_UPDATE":
		for _, raw := range msg.Tasks {
			if err := m.merge(raw, false); err != nil {
				return err
			}
		}
	case "TASK_REMOVED":
		delete(m.Tasks, msg.TaskID)
	}
	return nil
}

// merge applies a full object, or a partial one over what is known. It
// runs for every task of every batch, so it decodes each object once.
func (m *Mirror) merge(raw json.RawMessage, full bool) error {
	id, ok := leadingID(raw)
	if !ok {
		var head struct{ ID string }
		if err := json.Unmarshal(raw, &head); err != nil || head.ID == "" {
			return fmt.Errorf("task without an id: %s", raw)
		}
		id = head.ID
	}
	var t task.Task
	if !full {
		old, known := m.Tasks[id]
		if !known {
			return nil // a delta for a task this mirror never had: nothing to apply it to
		}
		t = old
		if applyFlat(&t, raw) {
			m.Tasks[id] = t
			return nil
		}
		dropNamed(&t, raw)
	}
	if err := json.Unmarshal(raw, &t); err != nil {
		return fmt.Errorf("task %s: %w", id, err)
	}
	m.Tasks[id] = t
	return nil
}

// leadingID reads the id of an object that starts with it, as the server
// writes every task and delta, without decoding the rest.
func leadingID(raw []byte) (string, bool) {
	const prefix = `{"id":"`
	if !bytes.HasPrefix(raw, []byte(prefix)) {
		return "", false
	}
	rest := raw[len(prefix):]
	end := bytes.IndexByte(rest, '"')
	if end <= 0 || bytes.IndexByte(rest[:end], '\\') >= 0 {
		return "", false
	}
	return string(rest[:end]), true
}

// dropNamed clears the pointer and map fields raw names, so that decoding
// gives them fresh values: decoding into a pointer or a map that is there
// would write through it, into copies of the task a caller may hold, and a
// map would keep keys the new value no longer has. Only the object's own
// members count (a meta key named "checksum" is not the checksum), matched
// as encoding/json matches them.
func dropNamed(t *task.Task, raw []byte) {
	var members map[string]json.RawMessage
	if json.Unmarshal(raw, &members) != nil {
		return // not an object: decoding it fails anyway
	}
	for name := range members {
		for _, f := range sharedFields {
			if strings.EqualFold(name, f.key) {
				f.drop(t)
			}
		}
	}
}

var sharedFields = []struct {
	key  string
	drop func(*task.Task)
}{
	{"error_message", func(t *task.Task) { t.ErrorMessage = nil }},
	{"started_at", func(t *task.Task) { t.StartedAt = nil }},
	{"completed_at", func(t *task.Task) { t.CompletedAt = nil }},
	{"wait_until", func(t *task.Task) { t.WaitUntil = nil }},
	{"batch_id", func(t *task.Task) { t.BatchID = nil }},
	{"batch_name", func(t *task.Task) { t.BatchName = nil }},
	{"checksum", func(t *task.Task) { t.Checksum = nil }},
	{"meta", func(t *task.Task) { t.Meta = nil }},
	{"headers", func(t *task.Task) { t.Headers = nil }},
}
