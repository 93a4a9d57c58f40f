package task

import (
	"fmt"
	"time"
)

// BatchRequest creates a batch of tasks that share a name and settings.
type BatchRequest struct {
	BatchName   string            `json:"batch_name"`
	Destination string            `json:"destination"`
	Category    string            `json:"category"`
	Priority    Priority          `json:"priority"`
	Meta        map[string]string `json:"meta"`
	Force       bool              `json:"force"`
	Headers     map[string]string `json:"headers"` // sent for every item
	Username    string            `json:"username"`
	Password    string            `json:"password"`
	Connections int               `json:"connections"` // for every item
	SpeedLimit  int64             `json:"speed_limit"` // for every item
	Items       []BatchItem       `json:"items"`
}

// BatchItem is one file of a batch.
type BatchItem struct {
	URL      string `json:"url"`
	Filename string `json:"filename"`
	Checksum string `json:"checksum"`
}

// CheckBatchID accepts a client's id for a new batch: 1 to 64 letters,
// digits, '-', '_' or '.', so it is safe in a URL path, a log line and a
// subscription.
func CheckBatchID(id string) error {
	ok := len(id) >= 1 && len(id) <= 64
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			ok = false
		}
	}
	if !ok || id == "." || id == ".." {
		return fmt.Errorf("%w: batch_id must be 1 to 64 letters, digits, '-', '_' or '.'", ErrInvalid)
	}
	return nil
}

// MaxBatchItems bounds one POST /api/batches.
const MaxBatchItems = 10000

// Requests expands the batch into one AddRequest per item, or says what is
// wrong with it; the caller puts them in the new batch.
func (b BatchRequest) Requests() ([]AddRequest, error) {
	if b.BatchName == "" {
		return nil, fmt.Errorf("%w: batch_name is required", ErrInvalid)
	}
	if len(b.Items) == 0 {
		return nil, fmt.Errorf("%w: items must list at least one url", ErrInvalid)
	}
	if len(b.Items) > MaxBatchItems {
		return nil, fmt.Errorf("%w: a batch holds at most %d items", ErrInvalid, MaxBatchItems)
	}
	if err := ValidateLabel("batch_name", b.BatchName, 256); err != nil {
		return nil, err
	}
	out := make([]AddRequest, len(b.Items))
	for i, it := range b.Items {
		out[i] = AddRequest{
			URL: it.URL, Filename: it.Filename, Checksum: it.Checksum,
			Destination: b.Destination, Category: b.Category, Priority: b.Priority, Meta: b.Meta, Force: b.Force,
			Headers: b.Headers, Username: b.Username, Password: b.Password,
			Connections: b.Connections, SpeedLimit: b.SpeedLimit,
		}
	}
	return out, nil
}

// BatchCreated is what POST /api/batches answers.
type BatchCreated struct {
	BatchID   string `json:"batch_id"`
	BatchName string `json:"batch_name"`
	Tasks     []Task `json:"tasks"`
}

// BatchPage is one page of display rows, where a batch and a standalone task
// are one row each (GET /api/downloads/batches): the batches of the page,
// then its standalone tasks, each in the page's order.
type BatchPage struct {
	Batches      []BatchSummary
	Standalone   []Task
	Total        int           // rows that match, over every page
	StatusCounts map[State]int // over every task, not the page
}

// BatchSummary is a batch as GET /api/downloads/batches shows it.
type BatchSummary struct {
	BatchID          string    `json:"batch_id"`
	BatchName        string    `json:"batch_name"`
	TotalItems       int       `json:"total_items"`
	CompletedItems   int       `json:"completed_items"`
	FailedItems      int       `json:"failed_items"`
	DownloadingItems int       `json:"downloading_items"` // STARTING + DOWNLOADING
	PausedItems      int       `json:"paused_items"`
	QueuedItems      int       `json:"queued_items"` // QUEUED + WAITING
	TotalSize        int64     `json:"total_size"`
	DownloadedSize   int64     `json:"downloaded_size"`
	Progress         float64   `json:"progress"`
	Speed            float64   `json:"speed"`
	CreatedAt        time.Time `json:"created_at"`
	State            State     `json:"state"`
}

// Summarize aggregates the tasks of one batch (at least one).
func Summarize(tasks []*Task) BatchSummary {
	s := BatchSummary{TotalItems: len(tasks), CreatedAt: tasks[0].CreatedAt}
	if id := tasks[0].BatchID; id != nil {
		s.BatchID = *id
	}
	if name := tasks[0].BatchName; name != nil {
		s.BatchName = *name
	}
	for _, t := range tasks {
		switch t.State {
		case Completed:
			s.CompletedItems++
		case Failed:
			s.FailedItems++
		case Starting, Downloading:
			s.DownloadingItems++
		case Paused:
			s.PausedItems++
		case Queued, Waiting:
			s.QueuedItems++
		}
		s.TotalSize += t.Size
		s.DownloadedSize += t.Downloaded
		s.Speed += t.Speed
		if t.CreatedAt.Before(s.CreatedAt) {
			s.CreatedAt = t.CreatedAt
		}
	}
	s.Progress = Percentage(tasks)
	switch {
	case s.FailedItems > 0:
		s.State = Failed
	case s.DownloadingItems > 0:
		s.State = Downloading
	case s.PausedItems > 0:
		s.State = Paused
	case s.CompletedItems == s.TotalItems:
		s.State = Completed
	default:
		s.State = Queued
	}
	return s
}

// Percentage is 100 × Σ per task min(1, downloaded/size) / tasks; a task of
// unknown size counts 0 until it completes, so it never falls unless a server
// ignores Range.
func Percentage(tasks []*Task) float64 {
	if len(tasks) == 0 {
		return 0
	}
	var sum float64
	for _, t := range tasks {
		switch {
		case t.State == Completed:
			sum++
		case t.Size > 0:
			sum += min(1, float64(t.Downloaded)/float64(t.Size))
		}
	}
	return 100 * sum / float64(len(tasks))
}

// BatchKey is the batch a task belongs to: its batch, or itself for a
// standalone task, a batch of one.
func (t *Task) BatchKey() string {
	if t.BatchID != nil {
		return *t.BatchID
	}
	return t.ID
}
