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

// A task.BatchRequest creates a batch (answer: BatchResult).

// BatchCreated is what POST /api/batches answers.
type BatchCreated struct {
	BatchID   string      `json:"batch_id"`
	BatchName string      `json:"batch_name"`
	Tasks     []task.Task `json:"tasks"`
}

// BatchResult answers a task.BatchRequest.
type BatchResult struct {
	Created BatchCreated
	Err     error
}

// ListBatches asks for every batch's summary and the standalone tasks
// (answer: BatchList).
type ListBatches struct{}

// BatchList answers ListBatches.
type BatchList struct {
	Batches    []task.BatchSummary `json:"batches"`
	Standalone []task.Task         `json:"standalone"`
}

// BatchItems asks for the tasks of one batch (answer: TasksResult).
type BatchItems struct{ ID string }

// TasksResult answers BatchItems.
type TasksResult struct {
	Tasks []task.Task
	Err   error
}

// ActBatch applies an action to every task of a batch it is allowed for
// (answer: AffectedResult).
type ActBatch struct {
	ID          string
	Action      task.Action
	DeleteFiles bool
}

// AffectedResult answers ActBatch.
type AffectedResult struct {
	N   int
	Err error
}

// ListLibrary asks for every library item, newest first (answer: []task.LibraryItem).
type ListLibrary struct{}

// GetLibraryItem asks for one item (answer: LibraryResult).
type GetLibraryItem struct{ ID string }

// PatchLibraryItem changes the user's fields of an item (answer: LibraryResult).
type PatchLibraryItem struct {
	ID    string
	Patch task.LibraryPatch
}

// DeleteLibraryItem removes an item, and its files if asked (answer: LibraryResult).
type DeleteLibraryItem struct {
	ID          string
	DeleteFiles bool
}

// LibraryResult answers the library requests.
type LibraryResult struct {
	Item task.LibraryItem
	Err  error
}
