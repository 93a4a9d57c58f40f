package manager

import (
	"fmt"
	"path/filepath"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/fetchd/fetchd/engine/task"
)

func (m *Manager) get(id string) (task.Task, error) {
	t, ok := m.tasks[id]
	if !ok {
		return task.Task{}, noTask(id)
	}
	return t.Clone(), nil
}

// act applies one action as PROTOCOL.md's state table allows it. The
// changed task is stored before anything changes, so a failed write leaves
// the task as it was.
func (m *Manager) act(ctx actor.Context, a Act) (task.Task, error) {
	t, ok := m.tasks[a.ID]
	if !ok {
		return task.Task{}, noTask(a.ID)
	}
	if err := a.Action.Check(t.State); err != nil {
		return t.Clone(), err
	}
	if a.Action == task.Delete {
		return t.Clone(), m.delete(ctx, t, a.DeleteFiles)
	}
	tr, running := m.running[t.ID]
	next := t.Clone()
	switch a.Action {
	case task.Pause:
		next.State = task.Paused
		next.Speed, next.ETA, next.WaitUntil = 0, 0, nil
	case task.Resume:
		requeue(&next)
	case task.Cancel:
		next.State = task.Cancelled
		if !running {
			next.SetProgress(0, next.Size)
			next.Ranges = nil
		}
		next.Speed, next.ETA, next.WaitUntil = 0, 0, nil
	case task.Retry:
		if next.State != task.Failed {
			next.SetProgress(0, next.Size)
			next.Ranges = nil
		}
		next.CompletedAt = nil
		requeue(&next)
	}
	if err := m.save(&next); err != nil {
		return t.Clone(), err
	}
	*t = next
	m.setState(t, t.State)
	switch {
	case a.Action == task.Pause && running:
		// PAUSED goes out once the transfer has let go of the file, with
		// the bytes it holds then: never a count that grows after it.
		tr.announce = true
		tr.stop(ctx)
	case a.Action == task.Cancel && running:
		tr.discard = true
		tr.stop(ctx)
	case a.Action == task.Cancel:
		m.removePart(t)
	}
	if !(a.Action == task.Pause && running) {
		m.notify(task.Updated, t)
	}
	m.log.Info().Str("task_id", t.ID).Str("action", string(a.Action)).Str("state", string(t.State)).Msg("task action")
	return t.Clone(), nil
}

// requeue is the user starting a task again: its automatic retries start over.
func requeue(t *task.Task) {
	t.State = task.Queued
	t.RetryCount = 0
	t.WaitUntil = nil
	t.SetError("")
}

// delete removes a task, once the store has; a running transfer is stopped
// first and its files are removed once it has let go of them.
func (m *Manager) delete(ctx actor.Context, t *task.Task, withFiles bool) error {
	var leftovers []string
	if t.Filename != "" {
		leftovers = append(leftovers, filepath.Join(m.dirOf(t), task.PartName(t.Filename)))
		if withFiles {
			leftovers = append(leftovers, filepath.Join(m.dirOf(t), t.Filename))
		}
	}
	if err := m.cfg.Store.DeleteTask(t.ID, leftovers...); err != nil {
		return fmt.Errorf("delete stored task: %w", err)
	}
	m.forget(t.ID)
	if timer, ok := m.timers[t.ID]; ok {
		timer.Stop()
		delete(m.timers, t.ID)
	}
	removeFiles := func() { m.removeLeftovers(t.ID, leftovers) }
	if m.stopTransfer(ctx, t.ID) {
		m.cleanup[t.ID] = removeFiles
	} else {
		removeFiles()
	}
	m.notify(task.Removed, t)
	m.log.Info().Str("task_id", t.ID).Bool("delete_files", withFiles).Msg("task deleted")
	if t.BatchID != nil {
		// Deleting the last unfinished item may leave a batch all completed.
		for _, rest := range m.batches[*t.BatchID] {
			m.maybeShelve(rest)
			break
		}
	}
	return nil
}

// actAll applies pause or resume wherever the state table allows it. It
// stops at a failed write and says how many were changed before it.
func (m *Manager) actAll(ctx actor.Context, a task.Action) (int, error) {
	var ids []string
	for id, t := range m.tasks {
		if a.Check(t.State) == nil {
			ids = append(ids, id)
		}
	}
	for i, id := range ids {
		if _, err := m.act(ctx, Act{ID: id, Action: a}); err != nil {
			return i, err
		}
	}
	return len(ids), nil
}

// noTask is the one not-found error for a task id.
func noTask(id string) error {
	return fmt.Errorf("%w: no task %q", task.ErrNotFound, id)
}
