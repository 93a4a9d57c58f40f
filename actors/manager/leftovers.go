package manager

import (
	"errors"
	"os"
	"path/filepath"

	"github.com/fetchd/fetchd/engine/task"
)

// removeLeftovers removes the files a deleted task left, then the store's
// record of them; a file another task holds the name of since is kept.
func (m *Manager) removeLeftovers(id string, files []string) {
	if len(files) == 0 {
		return // nothing was recorded: no write to undo it
	}
	for _, f := range files {
		if owner, ok := m.names.holderOf(f); ok && owner != id {
			continue
		}
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			m.log.Warn().Err(err).Str("task_id", id).Str("file", f).Msg("remove file")
			return // keep the record: the next start tries again
		}
	}
	if err := m.cfg.Store.ForgetLeftovers(id); err != nil {
		m.log.Warn().Err(err).Str("task_id", id).Msg("forget removed files")
	}
}

// sweep removes at start what a crash kept from being removed: the files of
// deleted tasks, and the part files of cancelled ones.
func (m *Manager) sweep() {
	leftovers, err := m.cfg.Store.LoadLeftovers()
	if err != nil {
		m.log.Error().Err(err).Msg("load the files of deleted tasks")
	}
	for id, files := range leftovers {
		m.removeLeftovers(id, files)
	}
	for _, t := range m.tasks {
		if t.State == task.Cancelled && t.Filename != "" {
			part := filepath.Join(m.dirOf(t), task.PartName(t.Filename))
			if err := os.Remove(part); err == nil {
				m.log.Info().Str("task_id", t.ID).Msg("removed the part file of a cancelled task")
			}
		}
	}
	if len(leftovers) > 0 {
		m.log.Info().Int("tasks", len(leftovers)).Msg("removed the files of deleted tasks")
	}
}
