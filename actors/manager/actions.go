package manager

import (
	"errors"
	"os"
	"path/filepath"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/fetchd/fetchd/engine/task"
)

func (m *Manager) get(id string) (task.Task, error) {
	t, ok := m.tasks[id]
	if !ok {
		return task.Task{}, task.ErrNotFound
	}
	return t.Clone(), nil
}

// act applies one action as the contract's state table allows it.
func (m *Manager) act(ctx actor.Context, a Act) (task.Task, error) {
	t, ok := m.tasks[a.ID]
	if !ok {
		return task.Task{}, task.ErrNotFound
	}
	if err := a.Action.Check(t.State); err != nil {
		return t.Clone(), err
	}
	switch a.Action {
	case task.Pause:
		m.setState(t, task.Paused)
		m.stopTransfer(ctx, t.ID)
		t.Speed, t.ETA, t.WaitUntil = 0, 0, nil
	case task.Resume:
		m.requeue(t)
	case task.Cancel:
		m.setState(t, task.Cancelled)
		if tr, running := m.running[t.ID]; running {
			tr.discard = true
			tr.stop(ctx)
		} else {
			m.removePart(t)
			t.SetProgress(0, t.Size)
		}
		t.Speed, t.ETA, t.WaitUntil = 0, 0, nil
	case task.Retry:
		if t.State != task.Failed {
			t.SetProgress(0, t.Size)
		}
		t.CompletedAt = nil
		m.requeue(t)
	case task.Delete:
		m.delete(ctx, t, a.DeleteFiles)
		return t.Clone(), nil
	}
	m.persist(t)
	m.notify(task.Updated, t)
	m.log.Info().Str("task_id", t.ID).Str("action", string(a.Action)).Str("state", string(t.State)).Msg("task action")
	return t.Clone(), nil
}

// requeue is the user starting a task again: its automatic retries start over.
func (m *Manager) requeue(t *task.Task) {
	m.setState(t, task.Queued)
	t.RetryCount = 0
	t.WaitUntil = nil
	t.SetError("")
}

// delete removes a task; a running transfer is stopped first and its files
// are removed once it has let go of them.
func (m *Manager) delete(ctx actor.Context, t *task.Task, withFiles bool) {
	if err := m.cfg.Store.DeleteTask(t.ID); err != nil {
		m.log.Error().Err(err).Str("task_id", t.ID).Msg("delete task")
	}
	m.forget(t.ID)
	if timer, ok := m.timers[t.ID]; ok {
		timer.Stop()
		delete(m.timers, t.ID)
	}
	removeFiles := func() {
		m.removePart(t)
		if withFiles && t.Filename != "" {
			err := os.Remove(filepath.Join(m.dirOf(t), t.Filename))
			if err != nil && !errors.Is(err, os.ErrNotExist) {
				m.log.Warn().Err(err).Str("task_id", t.ID).Msg("remove file")
			}
		}
	}
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
}

// actAll applies pause or resume wherever the state table allows it.
func (m *Manager) actAll(ctx actor.Context, a task.Action) int {
	var ids []string
	for id, t := range m.tasks {
		if a.Check(t.State) == nil {
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		m.act(ctx, Act{ID: id, Action: a})
	}
	return len(ids)
}
