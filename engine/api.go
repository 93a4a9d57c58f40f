package engine

import (
	"time"

	"github.com/fetchd/fetchd/actors/manager"
	"github.com/fetchd/fetchd/engine/task"
)

// Add creates a task; it starts when a slot is free.
func (e *Engine) Add(r task.AddRequest) (task.Task, error) {
	return taskResult(ask[manager.TaskResult](e, r))
}

// Get returns one task.
func (e *Engine) Get(id string) (task.Task, error) {
	return taskResult(ask[manager.TaskResult](e, manager.Get{ID: id}))
}

// List returns one page of tasks.
func (e *Engine) List(q task.Query) (task.Page, error) {
	return ask[task.Page](e, q)
}

// Act applies a to one task.
func (e *Engine) Act(id string, a task.Action) (task.Task, error) {
	return taskResult(ask[manager.TaskResult](e, manager.Act{ID: id, Action: a}))
}

// Delete removes a task, cancelling it first; withFiles removes its file too.
func (e *Engine) Delete(id string, withFiles bool) error {
	_, err := taskResult(ask[manager.TaskResult](e, manager.Act{ID: id, Action: task.Delete, DeleteFiles: withFiles}))
	return err
}

// PauseAll and ResumeAll apply to every task the action is allowed for, and
// return how many that was.
func (e *Engine) PauseAll() (int, error)  { return e.actAll(task.Pause) }
func (e *Engine) ResumeAll() (int, error) { return e.actAll(task.Resume) }

func (e *Engine) actAll(a task.Action) (int, error) {
	n, err := ask[manager.Affected](e, manager.ActAll{Action: a})
	return n.N, err
}

// Stats returns the live figures.
func (e *Engine) Stats() (task.Stats, error) {
	return ask[task.Stats](e, manager.GetStats{})
}

// Settings returns the current settings.
func (e *Engine) Settings() (task.Settings, error) {
	return settingsResult(ask[manager.SettingsResult](e, manager.GetSettings{}))
}

// UpdateSettings applies p, persists it and returns the new settings.
func (e *Engine) UpdateSettings(p task.SettingsPatch) (task.Settings, error) {
	return settingsResult(ask[manager.SettingsResult](e, manager.UpdateSettings{Patch: p}))
}

// Uptime is how long the engine has been open.
func (e *Engine) Uptime() time.Duration { return time.Since(e.started) }

func taskResult(r manager.TaskResult, err error) (task.Task, error) {
	if err != nil {
		return task.Task{}, err
	}
	return r.Task, r.Err
}

func settingsResult(r manager.SettingsResult, err error) (task.Settings, error) {
	if err != nil {
		return task.Settings{}, err
	}
	return r.Settings, r.Err
}
