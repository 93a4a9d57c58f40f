package gateway

import (
	"bytes"
	"encoding/json"

	"github.com/fetchd/fetchd/engine/task"
	"github.com/fetchd/fetchd/wsconn"
)

// cut is a tasks-dialect frame cut at its tasks, so that a frame for a
// connection with subscriptions is spliced from the engine's bytes instead
// of being encoded again.
type cut struct {
	whole []byte
	// A message of several tasks: the payload up to its array, and each task.
	head  []byte
	items [][]byte
	keys  []taskKey
	sync  bool // SYNC_ALL: sent even when no task is left
	// A message about one task; nil for one about none (stats, library).
	one *taskKey
}

type taskKey struct {
	ID      string  `json:"id"`
	BatchID *string `json:"batch_id"`
}

func (k taskKey) seenBy(subs task.Subscriptions) bool { return subs.Sees(k.ID, k.BatchID) }

const tasksArray = `"tasks":[`

// cutTasks cuts a frame of the tasks dialect. A frame it cannot cut is sent
// whole to everyone, as the engine would send a message about no task.
func cutTasks(frame []byte) *cut {
	c := &cut{whole: frame}
	payload, _ := wsconn.Payload(frame)
	var msg struct {
		Type    string            `json:"type"`
		Task    *taskKey          `json:"task"`
		TaskID  string            `json:"task_id"`
		BatchID *string           `json:"batch_id"`
		Tasks   []json.RawMessage `json:"tasks"`
	}
	if json.Unmarshal(payload, &msg) != nil {
		return c
	}
	switch msg.Type {
	case "TASK_ADDED", "TASK_UPDATED":
		c.one = msg.Task
	case "TASK_REMOVED":
		c.one = &taskKey{ID: msg.TaskID, BatchID: msg.BatchID}
	case "SYNC_ALL", "TASK_BATCH_UPDATE":
		i := bytes.Index(payload, []byte(tasksArray))
		if i < 0 {
			return c
		}
		c.head, c.items, c.sync = payload[:i+len(tasksArray)], make([][]byte, len(msg.Tasks)), msg.Type == "SYNC_ALL"
		c.keys = make([]taskKey, len(msg.Tasks))
		for j, raw := range msg.Tasks {
			if json.Unmarshal(raw, &c.keys[j]) != nil {
				c.head = nil
				return c
			}
			c.items[j] = raw
		}
		if !bytes.Equal(c.splice(c.items), payload) { // not the shape it knows: never a wrong splice
			c.head = nil
		}
	}
	return c
}

// seen is the frame as a connection with subs gets it, nil for nothing.
func (c *cut) seen(subs task.Subscriptions) []byte {
	switch {
	case c.one != nil:
		if c.one.seenBy(subs) {
			return c.whole
		}
		return nil
	case c.head == nil:
		return c.whole
	}
	var kept [][]byte
	for i, k := range c.keys {
		if k.seenBy(subs) {
			kept = append(kept, c.items[i])
		}
	}
	switch {
	case len(kept) == len(c.items):
		return c.whole
	case len(kept) == 0 && !c.sync:
		return nil
	}
	return wsconn.TextFrame(c.splice(kept))
}

func (c *cut) splice(items [][]byte) []byte {
	n := len(c.head) + 2 + len(items)
	for _, it := range items {
		n += len(it)
	}
	b := make([]byte, 0, n)
	b = append(b, c.head...)
	b = append(b, bytes.Join(items, []byte{','})...)
	return append(b, "]}"...)
}

// seenEvents is an events-dialect message (one frame per batch) as a
// connection with subs gets it: the frames with one of its keys.
func seenEvents(frames []byte, keys [][]string, subs task.Subscriptions) []byte {
	if keys == nil {
		return frames
	}
	var out []byte
	rest := frames
	for i := 0; len(rest) > 0; i++ {
		payload, next := wsconn.Payload(rest)
		if payload == nil || i >= len(keys) {
			return frames // not the shape it knows: as the engine sends it to all
		}
		if anyKey(keys[i], subs) {
			out = append(out, rest[:len(rest)-len(next)]...)
		}
		rest = next
	}
	return out
}

func anyKey(keys []string, subs task.Subscriptions) bool {
	for _, k := range keys {
		if subs.Has(k) {
			return true
		}
	}
	return false
}
