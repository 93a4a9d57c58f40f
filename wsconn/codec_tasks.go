package wsconn

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/fetchd/fetchd/actors/hub"
	"github.com/fetchd/fetchd/engine/task"
)

// StreamCodec is the codec of the numbered stream that clients resume: the
// tasks dialect, uncompressed.
func StreamCodec() hub.Codec { return tasksCodec{} }

// tasksCodec is the tasks dialect: {"type": ..., "ts": <Unix ms>, ...}.
type tasksCodec struct{}

type tasksMessage struct {
	Type       string      `json:"type"`
	TS         int64       `json:"ts"`
	Seq        uint64      `json:"seq"`
	Tasks      []task.Task `json:"tasks,omitempty"`
	Task       *task.Task  `json:"task,omitempty"`
	Stats      *task.Stats `json:"stats,omitempty"`
	Action     string      `json:"action,omitempty"`
	DownloadID string      `json:"download_id,omitempty"`
	Message    string      `json:"message,omitempty"`
}

type libraryMessage struct {
	Type      string            `json:"type"`
	TS        int64             `json:"ts"`
	Seq       uint64            `json:"seq"`
	Item      *task.LibraryItem `json:"item,omitempty"`
	Changes   *map[string]any   `json:"changes,omitempty"` // a pointer: an update with no user changes still says {}
	LibraryID string            `json:"library_id,omitempty"`
}

func now() int64 { return time.Now().UnixMilli() }

// Encode implements hub.Codec. Every message carries its seq; SYNC_ALL also
// the epoch (PROTOCOL.md, "Resuming a stream").
func (tasksCodec) Encode(ev task.Event, at hub.Position, subs task.Subscriptions) []byte {
	seq := at.Seq
	switch e := ev.(type) {
	case task.SyncAll:
		tasks := e.Tasks
		if len(subs) > 0 {
			tasks = make([]task.Task, 0, len(subs))
			for _, t := range e.Tasks {
				if subs.Sees(t.ID, t.BatchID) {
					tasks = append(tasks, t)
				}
			}
		}
		return syncAllFrame(tasks, at)
	case task.TaskAdded:
		if !subs.Sees(e.Task.ID, e.Task.BatchID) {
			return nil
		}
		return jsonFrame(tasksMessage{Type: "TASK_ADDED", TS: now(), Seq: seq, Task: &e.Task})
	case task.TaskUpdated:
		if !subs.Sees(e.Delta.ID, e.Delta.BatchID) {
			return nil
		}
		return deltasFrame("TASK_UPDATED", seq, `,"task":`, []task.Delta{e.Delta}, nil)
	case task.TaskBatch:
		return deltasFrame("TASK_BATCH_UPDATE", seq, `,"tasks":[`, e.Deltas, subs)
	case task.TaskRemoved:
		if !subs.Sees(e.ID, e.BatchID) {
			return nil
		}
		return jsonFrame(struct {
			Type    string  `json:"type"`
			TS      int64   `json:"ts"`
			Seq     uint64  `json:"seq"`
			TaskID  string  `json:"task_id"`
			BatchID *string `json:"batch_id"`
		}{"TASK_REMOVED", now(), seq, e.ID, e.BatchID})
	case task.LibraryAdded:
		return jsonFrame(libraryMessage{Type: "LIBRARY_ITEM_ADDED", TS: now(), Seq: seq, Item: &e.Item})
	case task.LibraryUpdated:
		changes := e.Changes
		if changes == nil {
			changes = map[string]any{}
		}
		return jsonFrame(libraryMessage{Type: "LIBRARY_ITEM_UPDATED", TS: now(), Seq: seq, Item: &e.Item, Changes: &changes})
	case task.LibraryRemoved:
		return jsonFrame(libraryMessage{Type: "LIBRARY_ITEM_REMOVED", TS: now(), Seq: seq, LibraryID: e.Item.ID})
	case task.EngineStats:
		return jsonFrame(tasksMessage{Type: "ENGINE_STATS", TS: now(), Seq: seq, Stats: &e.Stats})
	case task.SubscriptionAck:
		action := "unsubscribed"
		if e.Subscribed {
			action = "subscribed"
		}
		return jsonFrame(tasksMessage{Type: "SUBSCRIPTION_ACK", TS: now(), Seq: seq, Action: action, DownloadID: e.ID})
	case task.ErrorEvent:
		return jsonFrame(tasksMessage{Type: "ERROR", TS: now(), Seq: seq, Message: e.Message})
	}
	return nil
}

// syncAllFrame always carries "tasks", even when there are none.
func syncAllFrame(tasks []task.Task, at hub.Position) []byte {
	if tasks == nil {
		tasks = []task.Task{}
	}
	return jsonFrame(struct {
		Type  string      `json:"type"`
		TS    int64       `json:"ts"`
		Seq   uint64      `json:"seq"`
		Epoch string      `json:"epoch"`
		Tasks []task.Task `json:"tasks"`
	}{"SYNC_ALL", now(), at.Seq, at.Epoch, tasks})
}

// deltasFrame writes deltas without reflection: the flush is the hot path.
// With open ending in '[' the deltas form an array; nil when none passes subs.
func deltasFrame(typ string, seq uint64, open string, deltas []task.Delta, subs task.Subscriptions) []byte {
	buf := frameBuffer(64 + 96*len(deltas))
	b := buf.Bytes()
	b = append(b, `{"type":"`...)
	b = append(b, typ...)
	b = append(b, `","ts":`...)
	b = strconv.AppendInt(b, now(), 10)
	b = append(b, `,"seq":`...)
	b = strconv.AppendUint(b, seq, 10)
	b = append(b, open...)
	n := 0
	for _, d := range deltas {
		if !subs.Sees(d.ID, d.BatchID) {
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		b = d.AppendJSON(b)
		n++
	}
	if n == 0 {
		return nil
	}
	if open[len(open)-1] == '[' {
		b = append(b, ']')
	}
	b = append(b, '}')
	return finish(b, opText)
}

// SyncPosition reads the place in the stream a SYNC_ALL frame of the tasks
// dialect was encoded at, from the head of its payload alone.
func SyncPosition(frame []byte) (hub.Position, error) {
	payload, _ := Payload(frame)
	dec := json.NewDecoder(bytes.NewReader(payload))
	var at hub.Position
	var typ string
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return at, errNotSyncAll
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return at, errNotSyncAll
		}
		switch key {
		case "type":
			err = dec.Decode(&typ)
		case "seq":
			err = dec.Decode(&at.Seq)
		case "epoch":
			err = dec.Decode(&at.Epoch)
		case "tasks": // the last field: the head is read
			if typ != "SYNC_ALL" || at.Epoch == "" {
				return at, errNotSyncAll
			}
			return at, nil
		default:
			var skip json.RawMessage
			err = dec.Decode(&skip)
		}
		if err != nil {
			return at, errNotSyncAll
		}
	}
	return at, errNotSyncAll
}

var errNotSyncAll = errors.New("not a SYNC_ALL frame of the tasks dialect")
