package manager

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/fetchd/fetchd/actors/transfer"
	"github.com/fetchd/fetchd/engine/task"
)

// speedWindow is how far back the speed of a transfer looks.
const speedWindow = 5 * time.Second

// runningTransfer is the manager's view of a running transfer actor.
type runningTransfer struct {
	pid      *actor.PID
	began    time.Time
	from     int64    // bytes on disk when it began
	samples  []sample // bytes on disk over the last speedWindow, oldest first
	discard  bool     // cancelled: its files go when it stops, whatever follows
	announce bool     // a state change waits for it to stop, to go out with its last bytes
	stopped  bool     // asked to stop once; a second Stop would be a dead letter
}

// stop asks the transfer actor to stop, once.
func (tr *runningTransfer) stop(ctx actor.Context) {
	if !tr.stopped {
		tr.stopped = true
		ctx.Stop(tr.pid)
	}
}

type sample struct {
	at    time.Time
	bytes int64
}

// schedule starts queued tasks, highest priority then oldest, while fewer than
// max_concurrent transfers run.
func (m *Manager) schedule(ctx actor.Context) {
	for len(m.running) < m.settings.MaxConcurrent {
		next := m.nextQueued()
		if next == nil {
			return
		}
		m.start(ctx, next)
	}
}

func (m *Manager) nextQueued() *task.Task {
	var best *task.Task
	for _, t := range m.queued {
		if _, busy := m.running[t.ID]; busy {
			continue // its previous transfer is still letting go of the file
		}
		if best == nil || before(t, best) {
			best = t
		}
	}
	return best
}

// before is the queue order: higher priority first, then oldest.
func before(a, b *task.Task) bool {
	if a.Priority != b.Priority {
		return a.Priority > b.Priority
	}
	return task.ByCreation(a, b) < 0
}

func (m *Manager) start(ctx actor.Context, t *task.Task) {
	m.setState(t, task.Starting)
	t.StartedAt = task.TimePtr(task.Now())
	t.WaitUntil = nil
	job := transfer.Job{
		TaskID:     t.ID,
		URL:        t.URL,
		Dir:        m.dirOf(t),
		Filename:   t.Filename,
		Size:       t.Size,
		Validators: t.Validators,
		Headers:    t.RequestHeaders,
		// All transfers share a budget of 16 MiB of buffers: 256 KiB each
		// for a few, down to 32 KiB each for hundreds.
		BufferSize:  min(max((16<<20)/m.settings.MaxConcurrent, 32<<10), 256<<10),
		Connections: max(t.Connections, 1),
		SpeedLimit:  t.SpeedLimit,
		Ranges:      slices.Clone(t.Ranges),
	}
	if t.Checksum != nil {
		job.Checksum = *t.Checksum
	}
	pid := ctx.SpawnPrefix(transfer.Props(job, m.env), "transfer-")
	m.running[t.ID] = &runningTransfer{pid: pid, began: time.Now(), from: t.Downloaded}
	m.persist(t)
	m.notify(task.Updated, t)
	m.log.Info().Str("task_id", t.ID).Str("url", t.URL).Str("dir", job.Dir).Str("file", t.Filename).Int64("from_bytes", t.Downloaded).Int("connections", t.Connections).Msg("download started")
}

// stopTransfer asks a running transfer actor to stop; its Finished follows.
func (m *Manager) stopTransfer(ctx actor.Context, id string) bool {
	tr, ok := m.running[id]
	if ok {
		tr.stop(ctx)
	}
	return ok
}

// claimName gives a transfer a file name no other file or task uses.
func (m *Manager) claimName(c transfer.ClaimName) string {
	t, ok := m.tasks[c.TaskID]
	if !ok || !t.State.Active() {
		return "" // deleted, paused or cancelled while the origin answered
	}
	if t.Filename == "" {
		t.Filename = m.names.claim(c.Dir, c.Want, t.ID)
		m.persist(t)
	}
	return t.Filename
}

func (m *Manager) transferStarted(s transfer.Started) {
	t, ok := m.tasks[s.TaskID]
	if !ok || t.State != task.Starting && t.State != task.Downloading {
		return
	}
	// Stored before the part file grows much, so that a resume after a crash
	// checks the version it holds.
	t.Validators, t.Ranges, t.Segments = s.Validators, s.Ranges, s.Segments
	kind := task.Progressed // a later range of the same transfer
	if t.State == task.Starting {
		m.setState(t, task.Downloading)
		kind = task.Updated
	}
	if tr := m.running[t.ID]; tr != nil && (kind == task.Updated || s.Downloaded < t.Downloaded) {
		tr.samples = append(tr.samples[:0], sample{time.Now(), s.Downloaded})
	}
	t.SetProgress(s.Downloaded, s.Size)
	m.persist(t)
	m.notify(kind, t)
}

// transferPlanned stores the ranges of a segmented download before its
// transfer writes a byte.
func (m *Manager) transferPlanned(p transfer.Plan) bool {
	t, ok := m.tasks[p.TaskID]
	if !ok || !t.State.Active() {
		return false
	}
	t.Validators, t.Ranges = p.Validators, slices.Clone(p.Ranges)
	if err := m.save(t); err != nil {
		m.log.Error().Err(err).Str("task_id", t.ID).Msg("persist ranges")
		return false
	}
	return true
}

func (m *Manager) transferRestarted(r transfer.Restarted) {
	m.log.Warn().Str("task_id", r.TaskID).Int64("dropped_bytes", r.From).Str("reason", r.Reason).Msg("part file dropped, download restarts from zero")
}

func (m *Manager) transferProgress(p transfer.Progress) {
	t, ok := m.tasks[p.TaskID]
	tr := m.running[p.TaskID]
	if !ok || tr == nil || t.State != task.Downloading {
		return
	}
	t.SetProgress(p.Downloaded, p.Size)
	t.Ranges, t.Segments = p.Ranges, p.Segments
	if p.Connections > 0 && p.Connections < t.Connections {
		t.Connections = p.Connections // the origin refused more
	}
	now := time.Now()
	tr.samples = append(tr.samples, sample{now, p.Downloaded})
	for len(tr.samples) > 2 && now.Sub(tr.samples[1].at) >= speedWindow {
		tr.samples = tr.samples[1:]
	}
	speed := 0.0
	first := tr.samples[0]
	if dt := now.Sub(first.at).Seconds(); dt > 0 {
		speed = float64(p.Downloaded-first.bytes) / dt
	}
	t.SetRate(speed)
	m.dirty[t.ID] = struct{}{}
	m.notify(task.Progressed, t)
}

// transferFinished is the end of a transfer: its file is closed, so the task
// may be started again, cleaned up or failed.
func (m *Manager) transferFinished(ctx actor.Context, f transfer.Finished) {
	tr := m.running[f.TaskID]
	if tr == nil {
		return
	}
	delete(m.running, f.TaskID)
	// Whatever became of its task, even deleted, a shutdown may be waiting
	// for this transfer.
	defer m.maybeFinishShutdown(ctx)
	tr.stop(ctx)
	if done, ok := m.cleanup[f.TaskID]; ok {
		delete(m.cleanup, f.TaskID)
		done()
	}
	t, ok := m.tasks[f.TaskID]
	if !ok {
		return // deleted while it ran
	}
	if tr.discard {
		// A cancel reached this transfer; a retry since then starts over.
		m.removePart(t)
		if f.Err == nil {
			os.Remove(filepath.Join(m.dirOf(t), t.Filename))
		}
		f.Downloaded, f.Ranges, f.Err = 0, nil, transfer.ErrStopped
	}
	if f.Err != nil {
		// The task shows what its part file holds, for a resume or retry.
		t.SetProgress(f.Downloaded, max(f.Size, t.Size))
		t.Ranges = f.Ranges
	}
	var dlErr *transfer.Error
	switch {
	case t.State == task.Cancelled:
		m.removePart(t)
		if f.Err == nil { // the last byte beat the cancel; the user still asked for no file
			os.Remove(filepath.Join(m.dirOf(t), t.Filename))
		}
		t.SetProgress(0, t.Size)
		t.Ranges = nil
		m.persist(t)
		m.notify(task.Progressed, t)
	case f.Err == nil:
		m.completed(t, f.Size)
		took := time.Since(tr.began)
		m.log.Info().Str("task_id", t.ID).Str("path", filepath.Join(m.dirOf(t), t.Filename)).Int64("bytes", f.Size).
			Int64("duration_ms", took.Milliseconds()).Int64("avg_bytes_per_s", int64(float64(f.Size-tr.from)/max(took.Seconds(), 0.001))).Msg("download completed")
	case !t.State.Active():
		// Paused, or re-queued by a shutdown or a resume: the part file stays.
		t.Speed, t.ETA = 0, 0
		m.persist(t)
		if tr.announce {
			m.notify(task.Updated, t)
		} else {
			m.notify(task.Progressed, t)
		}
	case errors.Is(f.Err, transfer.ErrStopped):
		m.fail(t, "internal error: download stopped unexpectedly")
	case errors.As(f.Err, &dlErr) && dlErr.Retryable:
		if f.Downloaded > tr.from {
			t.RetryCount = 0 // it advanced: the origin is flaky, not failing
		}
		m.retryLater(t, dlErr)
	default:
		m.fail(t, f.Err.Error())
	}
}

func (m *Manager) completed(t *task.Task, size int64) {
	m.setState(t, task.Completed)
	t.SetProgress(size, size)
	t.Ranges = nil
	t.Progress = 100
	t.CompletedAt = task.TimePtr(task.Now())
	t.SetError("")
	t.Speed, t.ETA, t.WaitUntil = 0, 0, nil
	// The completion and the library item it makes are one write: a crash
	// can lose neither without the other.
	s := m.shelfFor(t)
	var item *task.LibraryItem
	if s != nil {
		item = &s.item
	}
	delete(m.dirty, t.ID)
	if err := m.cfg.Store.SaveCompleted(*t, item); err != nil {
		m.log.Error().Err(err).Str("task_id", t.ID).Msg("persist completion")
	}
	m.notify(task.Updated, t)
	if s != nil {
		m.place(s)
	}
}

func (m *Manager) fail(t *task.Task, msg string) {
	m.setState(t, task.Failed)
	t.SetError(msg)
	t.Speed, t.ETA, t.WaitUntil = 0, 0, nil
	m.persist(t)
	m.notify(task.Updated, t)
	m.log.Warn().Str("task_id", t.ID).Str("error", msg).Msg("download failed")
}

// removePart deletes what a cancelled or deleted task left on disk.
func (m *Manager) removePart(t *task.Task) {
	if t.Filename == "" {
		return
	}
	err := os.Remove(filepath.Join(m.dirOf(t), task.PartName(t.Filename)))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		m.log.Warn().Err(err).Str("task_id", t.ID).Msg("remove part file")
	}
}
