package client

import (
	"encoding/json"
	"fmt"

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

// merge applies a full object, or a partial one over what is known.
func (m *Mirror) merge(raw json.RawMessage, full bool) error {
	var head struct{ ID string }
	if err := json.Unmarshal(raw, &head); err != nil || head.ID == "" {
		return fmt.Errorf("task without an id: %s", raw)
	}
	var t task.Task
	if !full {
		old, known := m.Tasks[head.ID]
		if !known {
			return nil // a delta for a task this mirror never had: nothing to apply it to
		}
		t = old.Clone() // a partial must not write through shared pointers
	}
	if err := json.Unmarshal(raw, &t); err != nil {
		return fmt.Errorf("task %s: %w", head.ID, err)
	}
	m.Tasks[head.ID] = t
	return nil
}
