package manager

import "github.com/fetchd/fetchd/engine/task"

// The manager's requests. Each is answered with the Result type named beside it.

// A task.AddRequest creates a task (answer: TaskResult).

// Get asks for one task (answer: TaskResult).
type Get struct{ ID string }

// Act applies a user action to one task (answer: TaskResult).
type Act struct {
	ID          string
	Action      task.Action
	DeleteFiles bool // delete only: remove the finished file too
}

// TaskResult answers AddRequest, Get and Act.
type TaskResult struct {
	Task task.Task
	Err  error
}

// ActAll applies pause or resume to every task it is allowed for (answer: Affected).
type ActAll struct{ Action task.Action }

// Affected counts the tasks an ActAll changed.
type Affected struct{ N int }

// Query (task.Query) is answered with a task.Page.

// Snapshot asks for a copy of every task (answer: []task.Task).
type Snapshot struct{}

// GetStats asks for the engine's live figures (answer: task.Stats).
type GetStats struct{}

// GetSettings asks for the settings (answer: SettingsResult).
type GetSettings struct{}

// UpdateSettings changes and persists settings (answer: SettingsResult).
type UpdateSettings struct{ Patch task.SettingsPatch }

// SettingsResult answers GetSettings and UpdateSettings.
type SettingsResult struct {
	Settings task.Settings
	Err      error
}

// Shutdown stops every transfer so it resumes at the next start, writes the
// last progress to the store and answers Stopped. The manager starts nothing
// after it.
type Shutdown struct{}

// Stopped answers Shutdown.
type Stopped struct{}

// internal messages
type (
	checkpointTick struct{}
	wake           struct{ id string }
)
