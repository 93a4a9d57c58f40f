// Package task is fetchd's model: the Task, its states and the rules that move
// a task between them. It imports nothing of fetchd so every layer can use it.
package task

import (
	"cmp"
	"maps"
	"math"
	"slices"
	"time"
)

// Task is one URL downloading to one file. Its JSON form is the task of PROTOCOL.md.
type Task struct {
	ID           string            `json:"id"`
	URL          string            `json:"url"`
	Host         string            `json:"host"`
	Filename     string            `json:"filename"`
	Destination  string            `json:"destination"`
	Category     string            `json:"category"`
	Priority     int               `json:"priority"`
	State        State             `json:"state"`
	Progress     float64           `json:"progress"`
	Size         int64             `json:"size"`
	Downloaded   int64             `json:"downloaded"`
	Speed        float64           `json:"speed"`
	ETA          float64           `json:"eta"`
	RetryCount   int               `json:"retry_count"`
	ErrorMessage *string           `json:"error_message"`
	CreatedAt    time.Time         `json:"created_at"`
	StartedAt    *time.Time        `json:"started_at"`
	CompletedAt  *time.Time        `json:"completed_at"`
	WaitUntil    *time.Time        `json:"wait_until"`
	BatchID      *string           `json:"batch_id"`
	BatchName    *string           `json:"batch_name"`
	Checksum     *string           `json:"checksum"`
	Meta         map[string]string `json:"meta"`
	// Validators of the bytes in the part file; stored, not part of the wire.
	Validators Validators        `json:"-"`
	Headers    map[string]string `json:"headers"` // as shown: secrets redacted
	// Connections caps the parallel ranged connections; Segments is how many
	// are open now; SpeedLimit is the task's own bytes/s, 0 = none.
	Connections int   `json:"connections"`
	Segments    int   `json:"segments"`
	SpeedLimit  int64 `json:"speed_limit"`
	// Ranges checkpoint a segmented download; stored, not part of the wire.
	Ranges []Range `json:"-"`
	// RequestHeaders are the headers every request sends, secrets included;
	// they never leave the engine but to the origin and the store.
	RequestHeaders map[string]string `json:"-"`
}

// Clone returns a copy that shares nothing mutable with t, so a snapshot can
// leave the actor that owns the original.
func (t *Task) Clone() Task {
	c := *t
	c.ErrorMessage = clonePtr(t.ErrorMessage)
	c.StartedAt = clonePtr(t.StartedAt)
	c.CompletedAt = clonePtr(t.CompletedAt)
	c.WaitUntil = clonePtr(t.WaitUntil)
	c.BatchID = clonePtr(t.BatchID)
	c.BatchName = clonePtr(t.BatchName)
	c.Checksum = clonePtr(t.Checksum)
	c.Meta = maps.Clone(t.Meta)
	if c.Meta == nil {
		c.Meta = map[string]string{}
	}
	c.Headers = maps.Clone(t.Headers)
	if c.Headers == nil {
		c.Headers = map[string]string{}
	}
	c.RequestHeaders = maps.Clone(t.RequestHeaders)
	c.Ranges = slices.Clone(t.Ranges)
	return c
}

// ByCreation orders tasks oldest first; the id breaks ties so the order is
// total, and pages and snapshots never disagree.
func ByCreation(a, b *Task) int {
	return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
}

// SetProgress records bytes on disk and the size, and derives the
// percentage, to two decimals: finer is noise on every wire message.
func (t *Task) SetProgress(downloaded, size int64) {
	t.Downloaded, t.Size = downloaded, size
	t.Progress = 0
	if size > 0 {
		t.Progress = min(100, math.Floor(float64(downloaded)*10000/float64(size))/100)
	}
}

// SetRate records the speed (whole bytes/s) and the ETA (whole seconds,
// rounded up; 0 when unknown).
func (t *Task) SetRate(speed float64) {
	t.Speed, t.ETA = math.Round(speed), 0
	if t.Speed > 0 && t.Size > t.Downloaded {
		t.ETA = math.Ceil(float64(t.Size-t.Downloaded) / t.Speed)
	}
}

// SetError records a human-readable error, or clears it with "".
func (t *Task) SetError(msg string) {
	if msg == "" {
		t.ErrorMessage = nil
		return
	}
	t.ErrorMessage = &msg
}

// Now is the clock every timestamp of the model uses: UTC, to the millisecond,
// so what is stored equals what is sent.
func Now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// TimePtr returns a pointer to a copy of t.
func TimePtr(t time.Time) *time.Time { return &t }

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
