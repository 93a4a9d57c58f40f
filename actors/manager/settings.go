package manager

import (
	"fmt"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/fetchd/fetchd/engine/task"
)

func (m *Manager) updateSettings(ctx actor.Context, p task.SettingsPatch) (task.Settings, error) {
	next, err := p.Apply(m.settings)
	if err != nil {
		return m.settings, err
	}
	if err := m.cfg.Store.SaveSettings(next); err != nil {
		return m.settings, fmt.Errorf("store settings: %w", err)
	}
	m.settings = next
	m.applySpeedLimit()
	m.preempt(ctx)
	m.log.Info().Int("max_concurrent", next.MaxConcurrent).Int("max_retries", next.MaxRetries).Int64("speed_limit", next.SpeedLimit).Int("connections", next.Connections).Msg("settings changed")
	return next, nil
}

// preempt puts the most recently started transfers back in the queue when
// max_concurrent was lowered below what is running; they resume from their
// part files when a slot frees up.
func (m *Manager) preempt(ctx actor.Context) {
	excess := len(m.running) - m.settings.MaxConcurrent
	for excess > 0 {
		var newest *task.Task
		for id := range m.running {
			t := m.tasks[id]
			if t != nil && t.State.Active() && (newest == nil || t.StartedAt.After(*newest.StartedAt)) {
				newest = t
			}
		}
		if newest == nil {
			return // the rest are already stopping
		}
		m.setState(newest, task.Queued)
		m.stopTransfer(ctx, newest.ID)
		newest.Speed, newest.ETA = 0, 0
		m.persist(newest)
		m.notify(task.Updated, newest)
		excess--
	}
}
