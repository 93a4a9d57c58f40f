package manager

import (
	"encoding/hex"
	"fmt"
	"maps"
	"net/url"
	"strings"

	"github.com/google/uuid"

	"github.com/fetchd/fetchd/engine/task"
)

// maxMetaEntries bounds the client's opaque meta map.
const maxMetaEntries = 64

func (m *Manager) add(r task.AddRequest) (task.Task, error) {
	t, err := newTask(r)
	if err != nil {
		return task.Task{}, err
	}
	if err := m.placeInBatch(&t, r); err != nil {
		return task.Task{}, err
	}
	if !r.Force {
		if dup := m.activeWithURL(t.URL); dup != nil {
			return task.Task{}, fmt.Errorf("%w: %s is already task %s (%s); send force to add it again", task.ErrDuplicate, t.URL, dup.ID, dup.State)
		}
	}
	if t.Filename != "" {
		t.Filename = m.uniqueName(m.dirOf(&t), t.Filename, t.ID)
	}
	if err := m.cfg.Store.SaveTasks(t); err != nil {
		return task.Task{}, fmt.Errorf("store task: %w", err)
	}
	stored := t.Clone()
	m.tasks[t.ID] = &stored
	m.setState(&stored, task.Queued)
	m.notify(task.Added, &stored)
	m.log.Info().Str("task_id", t.ID).Str("url", t.URL).Msg("task added")
	return t, nil
}

// newTask validates a request and builds its QUEUED task.
func newTask(r task.AddRequest) (task.Task, error) {
	u, err := url.Parse(strings.TrimSpace(r.URL))
	switch {
	case r.URL == "":
		return task.Task{}, fmt.Errorf("%w: url is required", task.ErrInvalid)
	case err != nil:
		return task.Task{}, fmt.Errorf("%w: url: %v", task.ErrInvalid, err)
	case u.Scheme != "http" && u.Scheme != "https":
		return task.Task{}, fmt.Errorf("%w: url must be http or https, got %q", task.ErrInvalid, u.Scheme)
	case u.Host == "":
		return task.Task{}, fmt.Errorf("%w: url has no host", task.ErrInvalid)
	}
	if err := task.ValidateFilename(r.Filename); err != nil {
		return task.Task{}, err
	}
	dest, err := task.CleanDestination(r.Destination)
	if err != nil {
		return task.Task{}, err
	}
	checksum, err := parseChecksum(r.Checksum)
	if err != nil {
		return task.Task{}, err
	}
	if len(r.Meta) > maxMetaEntries {
		return task.Task{}, fmt.Errorf("%w: meta has more than %d entries", task.ErrInvalid, maxMetaEntries)
	}
	meta := maps.Clone(r.Meta)
	if meta == nil {
		meta = map[string]string{}
	}
	return task.Task{
		ID:          uuid.NewString(),
		URL:         u.String(),
		Filename:    r.Filename,
		Destination: dest,
		Category:    r.Category,
		Priority:    r.Priority,
		State:       task.Queued,
		CreatedAt:   task.Now(),
		Checksum:    checksum,
		Meta:        meta,
	}, nil
}

// parseChecksum accepts "sha256:<64 hex digits>" or nothing.
func parseChecksum(c string) (*string, error) {
	if c == "" {
		return nil, nil
	}
	hexSum, ok := strings.CutPrefix(c, "sha256:")
	if b, err := hex.DecodeString(hexSum); !ok || err != nil || len(b) != 32 {
		return nil, fmt.Errorf("%w: checksum must be sha256:<64 hex digits>", task.ErrInvalid)
	}
	norm := "sha256:" + strings.ToLower(hexSum)
	return &norm, nil
}

// activeWithURL is a task that makes url a duplicate: any that is not FAILED
// or CANCELLED.
func (m *Manager) activeWithURL(u string) *task.Task {
	for _, t := range m.tasks {
		if t.URL == u && t.State != task.Failed && t.State != task.Cancelled {
			return t
		}
	}
	return nil
}

// placeInBatch puts t in the batch r names: an existing batch_id joins it, a
// batch_name alone starts a new one.
func (m *Manager) placeInBatch(t *task.Task, r task.AddRequest) error {
	switch {
	case r.BatchID != "":
		for _, o := range m.tasks {
			if o.BatchID != nil && *o.BatchID == r.BatchID {
				t.BatchID, t.BatchName = ptrTo(r.BatchID), ptrTo(*o.BatchName)
				return nil
			}
		}
		return fmt.Errorf("%w: no batch %q", task.ErrNotFound, r.BatchID)
	case r.BatchName != "":
		t.BatchID, t.BatchName = ptrTo(uuid.NewString()), ptrTo(r.BatchName)
	}
	return nil
}

func ptrTo(s string) *string { return &s }
