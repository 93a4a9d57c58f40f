package manager

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/fetchd/fetchd/engine/task"
)

// shutdown stops every transfer with its task back in QUEUED, so the next
// start resumes it from its part file; the answer waits for the last Finished.
func (m *Manager) shutdown(ctx actor.Context) {
	if m.closing != nil {
		ctx.Respond(Reply[struct{}]{})
		return
	}
	m.closing = ctx.Sender()
	for id := range m.running {
		if t := m.tasks[id]; t != nil && t.State.Active() {
			m.setState(t, task.Queued)
			t.Speed, t.ETA = 0, 0
			m.persist(t)
			m.notify(task.Updated, t)
		}
		m.stopTransfer(ctx, id)
	}
	m.stopTimers()
	m.maybeFinishShutdown(ctx)
	// A transfer that does not end holds the answer back: say which.
	ctx.ReenterAfter(actor.NewFuture(ctx.ActorSystem(), shutdownSlow), func(any, error) {
		if len(m.running) == 0 {
			return
		}
		ids := make([]string, 0, len(m.running))
		for id := range m.running {
			ids = append(ids, id)
		}
		m.log.Warn().Strs("task_ids", ids).Dur("after", shutdownSlow).Msg("shutdown: transfers still running")
	})
}

// shutdownSlow is when a shutdown that still waits for transfers says so.
const shutdownSlow = 3 * time.Second

func (m *Manager) maybeFinishShutdown(ctx actor.Context) {
	if m.closing == nil || len(m.running) > 0 {
		return
	}
	m.checkpoint()
	ctx.Send(m.closing, Reply[struct{}]{})
	m.log.Info().Msg("manager stopped")
}
