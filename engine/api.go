package engine

import (
	"time"

	"github.com/fetchd/fetchd/actors/manager"
	"github.com/fetchd/fetchd/engine/task"
)

// Add creates a task; it starts when a slot is free.
func (e *Engine) Add(r task.AddRequest) (task.Task, error) {
	return ask[task.Task](e, manager.Add{Request: r})
}

// Get returns one task.
func (e *Engine) Get(id string) (task.Task, error) {
	return ask[task.Task](e, manager.Get{ID: id})
}

// List returns one page of tasks.
func (e *Engine) List(q task.Query) (task.Page, error) {
	return ask[task.Page](e, manager.List{Query: q})
}

// Act applies a to one task.
func (e *Engine) Act(id string, a task.Action) (task.Task, error) {
	return ask[task.Task](e, manager.Act{ID: id, Action: a})
}

// Delete removes a task, cancelling it first; withFiles removes its file too.
func (e *Engine) Delete(id string, withFiles bool) error {
	_, err := ask[task.Task](e, manager.Act{ID: id, Action: task.Delete, DeleteFiles: withFiles})
	return err
}

// PauseAll and ResumeAll apply to every task the action is allowed for, and
// return how many that was.
func (e *Engine) PauseAll() (int, error)  { return e.actAll(task.Pause) }
func (e *Engine) ResumeAll() (int, error) { return e.actAll(task.Resume) }

func (e *Engine) actAll(a task.Action) (int, error) {
	return ask[int](e, manager.ActAll{Action: a})
}

// Stats returns the live figures.
func (e *Engine) Stats() (task.Stats, error) {
	return ask[task.Stats](e, manager.GetStats{})
}

// Settings returns the current settings.
func (e *Engine) Settings() (task.Settings, error) {
	return ask[task.Settings](e, manager.GetSettings{})
}

// UpdateSettings applies p, persists it and returns the new settings.
func (e *Engine) UpdateSettings(p task.SettingsPatch) (task.Settings, error) {
	return ask[task.Settings](e, manager.UpdateSettings{Patch: p})
}

// Uptime is how long the engine has been open.
func (e *Engine) Uptime() time.Duration { return time.Since(e.started) }
