package manager

import (
	"cmp"
	"encoding/hex"
	"fmt"
	"maps"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/fetchd/fetchd/engine/task"
)

// Bounds on what a client sends, so that no one task makes every feed
// message about it huge.
const (
	maxMetaEntries = 64
	maxMetaBytes   = 64 << 10 // keys and values together
	maxURLBytes    = 8 << 10
)

func (m *Manager) add(r task.AddRequest) (task.Task, error) {
	t, err := m.prepare(r, nil)
	if err != nil {
		return task.Task{}, err
	}
	if err := m.placeInBatch(&t, r); err != nil {
		return task.Task{}, err
	}
	added, err := m.commit([]task.Task{t})
	if err != nil {
		return task.Task{}, err
	}
	return added[0], nil
}

// addBatch creates every item of b as one new batch, or none of them.
func (m *Manager) addBatch(b task.BatchRequest) (task.BatchCreated, error) {
	reqs, err := b.Requests()
	if err != nil {
		return task.BatchCreated{}, err
	}
	id, name := uuid.NewString(), b.BatchName
	seen := map[string]bool{}
	tasks := make([]task.Task, 0, len(reqs))
	for i, r := range reqs {
		t, err := m.prepare(r, seen)
		if err != nil {
			return task.BatchCreated{}, fmt.Errorf("items[%d]: %w", i, err)
		}
		t.BatchID, t.BatchName = &id, &name
		tasks = append(tasks, t)
	}
	added, err := m.commit(tasks)
	if err != nil {
		return task.BatchCreated{}, err
	}
	m.log.Info().Str("batch_id", id).Int("items", len(added)).Msg("batch added")
	return task.BatchCreated{BatchID: id, BatchName: name, Tasks: added}, nil
}

// prepare validates r into a new task and applies the duplicate check; seen,
// when given, holds the URLs earlier in the same request.
func (m *Manager) prepare(r task.AddRequest, seen map[string]bool) (task.Task, error) {
	t, err := newTask(r, m.stamp())
	if err != nil {
		return task.Task{}, err
	}
	if t.Connections == 0 {
		t.Connections = m.settings.Connections
	}
	if !r.Force {
		if err := m.duplicate(t.URL); err != nil {
			return task.Task{}, err
		}
		if seen[t.URL] {
			return task.Task{}, fmt.Errorf("%w: %s is listed twice; send force to add it twice", task.ErrDuplicate, t.URL)
		}
	}
	if seen != nil {
		seen[t.URL] = true
	}
	return t, nil
}

// commit names and stores new tasks in one transaction, then announces them.
func (m *Manager) commit(tasks []task.Task) ([]task.Task, error) {
	for i := range tasks {
		t := &tasks[i]
		if t.Filename != "" {
			t.Filename = m.names.claim(m.dirOf(t), t.Filename, t.ID)
		}
		m.insert(t.Clone()) // so the next item's name sees this one
	}
	if err := m.cfg.Store.SaveTasks(tasks...); err != nil {
		for _, t := range tasks { // all or none: undo what a big batch stored
			m.forget(t.ID)
			m.cfg.Store.DeleteTask(t.ID)
		}
		return nil, fmt.Errorf("store tasks: %w", err)
	}
	for _, t := range tasks {
		m.notify(task.Added, m.tasks[t.ID])
		m.log.Info().Str("task_id", t.ID).Str("url", t.URL).Msg("task added")
	}
	return tasks, nil
}

// stamp is a creation time later than every earlier one, so that "older
// first" and a batch's page order are total.
func (m *Manager) stamp() time.Time {
	now := time.Now().UTC().Truncate(time.Microsecond)
	if !now.After(m.lastStamp) {
		now = m.lastStamp.Add(time.Microsecond)
	}
	m.lastStamp = now
	return now
}

// newTask validates a request and builds its QUEUED task.
func newTask(r task.AddRequest, created time.Time) (task.Task, error) {
	u, err := url.Parse(strings.TrimSpace(r.URL))
	switch {
	case r.URL == "":
		return task.Task{}, fmt.Errorf("%w: url is required", task.ErrInvalid)
	case len(r.URL) > maxURLBytes:
		return task.Task{}, fmt.Errorf("%w: url is longer than %d bytes", task.ErrInvalid, maxURLBytes)
	case err != nil:
		return task.Task{}, fmt.Errorf("%w: url: %v", task.ErrInvalid, err)
	case u.Scheme != "http" && u.Scheme != "https":
		return task.Task{}, fmt.Errorf("%w: url must be http or https, got %q", task.ErrInvalid, u.Scheme)
	case u.Host == "":
		return task.Task{}, fmt.Errorf("%w: url has no host", task.ErrInvalid)
	}
	headers, u, err := r.RequestOptions().RequestHeaders(u)
	if err != nil {
		return task.Task{}, err
	}
	if err := task.ValidateFilename(r.Filename); err != nil {
		return task.Task{}, err
	}
	if err := cmp.Or(task.ValidateLabel("batch_name", r.BatchName, 256), task.ValidateLabel("category", r.Category, 256)); err != nil {
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
	if r.Connections != 0 {
		if err := task.CheckConnections(r.Connections); err != nil {
			return task.Task{}, err
		}
	}
	if err := task.CheckSpeedLimit("speed_limit", r.SpeedLimit); err != nil {
		return task.Task{}, err
	}
	if len(r.Meta) > maxMetaEntries {
		return task.Task{}, fmt.Errorf("%w: meta has more than %d entries", task.ErrInvalid, maxMetaEntries)
	}
	if n := metaBytes(r.Meta); n > maxMetaBytes {
		return task.Task{}, fmt.Errorf("%w: meta holds %d bytes, more than %d", task.ErrInvalid, n, maxMetaBytes)
	}
	meta := maps.Clone(r.Meta)
	if meta == nil {
		meta = map[string]string{}
	}
	return task.Task{
		ID:             uuid.NewString(),
		URL:            u.String(),
		Host:           u.Host,
		Filename:       r.Filename,
		Destination:    dest,
		Category:       r.Category,
		Priority:       int(r.Priority),
		State:          task.Queued,
		CreatedAt:      created,
		Checksum:       checksum,
		Meta:           meta,
		Headers:        task.ShownHeaders(headers),
		RequestHeaders: headers,
		Connections:    r.Connections,
		SpeedLimit:     r.SpeedLimit,
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

// duplicate refuses a URL that a task not FAILED or CANCELLED, or the
// library, already has.
func (m *Manager) duplicate(u string) error {
	for _, t := range m.tasks {
		if t.URL == u && t.State != task.Failed && t.State != task.Cancelled {
			return fmt.Errorf("%w: %s is already task %s (%s); send force to add it again", task.ErrDuplicate, u, t.ID, t.State)
		}
	}
	if id, ok := m.libraryURLs[u]; ok {
		return fmt.Errorf("%w: %s is already in the library as item %s; send force to add it again", task.ErrDuplicate, u, id)
	}
	return nil
}

// placeInBatch puts t in the batch r names: an existing batch_id joins it, a
// batch_name alone starts a new one, and a batch_name with a new batch_id
// starts one under the client's id, as clients that group their own adds do.
func (m *Manager) placeInBatch(t *task.Task, r task.AddRequest) error {
	switch {
	case r.BatchID != "":
		for _, o := range m.batches[r.BatchID] {
			t.BatchID, t.BatchName = o.BatchID, o.BatchName
			return nil
		}
		if r.BatchName == "" {
			return fmt.Errorf("%w: no batch %q; send batch_name too to start a batch with this id", task.ErrNotFound, r.BatchID)
		}
		if err := task.CheckBatchID(r.BatchID); err != nil {
			return err
		}
		t.BatchID, t.BatchName = ptrTo(r.BatchID), ptrTo(r.BatchName)
	case r.BatchName != "":
		t.BatchID, t.BatchName = ptrTo(uuid.NewString()), ptrTo(r.BatchName)
	}
	return nil
}

func ptrTo(s string) *string { return &s }

func metaBytes(meta map[string]string) (n int) {
	for k, v := range meta {
		n += len(k) + len(v)
	}
	return n
}
