package client

import (
	"encoding/json"

	"github.com/fetchd/fetchd/engine/task"
)

// Message is one server message of the tasks dialect. Which fields are set
// depends on Type; Tasks and Task hold full objects in SYNC_ALL and
// TASK_ADDED, and partial ones (id plus changed fields) in TASK_BATCH_UPDATE
// and TASK_UPDATED.
type Message struct {
	Type       string            `json:"type"`
	TS         int64             `json:"ts"`
	Seq        uint64            `json:"seq"`   // the message's place in the stream
	Epoch      string            `json:"epoch"` // SYNC_ALL: the server's run
	Tasks      []json.RawMessage `json:"tasks"`
	Task       json.RawMessage   `json:"task"`
	TaskID     string            `json:"task_id"`
	Stats      *task.Stats       `json:"stats"`
	Action     string            `json:"action"`
	DownloadID string            `json:"download_id"`
	Message    string            `json:"message"`
	Raw        []byte            `json:"-"`
}
