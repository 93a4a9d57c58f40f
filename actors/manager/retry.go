package manager

import (
	"time"

	"github.com/fetchd/fetchd/actors/transfer"
	"github.com/fetchd/fetchd/engine/backoff"
	"github.com/fetchd/fetchd/engine/task"
)

// maxRetryAfter bounds an origin's Retry-After so a hostile header cannot park
// a task for days.
const maxRetryAfter = time.Hour

// retryLater sends a task whose attempt failed for a passing reason to
// WAITING, or fails it once max_retries automatic retries are spent.
func (m *Manager) retryLater(t *task.Task, e *transfer.Error) {
	if t.RetryCount >= m.settings.MaxRetries {
		m.fail(t, e.Msg)
		return
	}
	delay := backoff.Policy{Base: m.cfg.RetryBase, Max: m.cfg.RetryCap}.Delay(t.RetryCount)
	if e.RetryAfter > 0 {
		delay = min(e.RetryAfter, maxRetryAfter)
	}
	t.RetryCount++
	m.setState(t, task.Waiting)
	t.SetError(e.Msg)
	t.Speed, t.ETA = 0, 0
	t.WaitUntil = task.TimePtr(task.Now().Add(delay).Truncate(time.Millisecond))
	m.armRetry(t)
	m.persist(t)
	m.notify(task.Updated, t)
	m.log.Info().Str("task_id", t.ID).Str("error", e.Msg).Int("retry_count", t.RetryCount).Int64("delay_ms", delay.Milliseconds()).Msg("download will retry")
}

// armRetry wakes a WAITING task at its wait_until.
func (m *Manager) armRetry(t *task.Task) {
	if old, ok := m.timers[t.ID]; ok {
		old.Stop()
	}
	delay := time.Duration(0)
	if t.WaitUntil != nil {
		delay = max(0, time.Until(*t.WaitUntil))
	}
	id, self, root := t.ID, m.self, m.root
	m.timers[id] = time.AfterFunc(delay, func() { root.Send(self, wake{id: id}) })
}

func (m *Manager) wake(id string) {
	delete(m.timers, id)
	t, ok := m.tasks[id]
	if !ok || t.State != task.Waiting {
		return
	}
	m.setState(t, task.Queued)
	t.WaitUntil = nil
	m.persist(t)
	m.notify(task.Updated, t)
}
