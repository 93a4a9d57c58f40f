package manager

import "github.com/fetchd/fetchd/engine/task"

// The manager's requests. Each is answered with a Reply of the type named
// beside it. Download actors report with the download package's messages.

// Reply answers every request: V, or Err when the request failed.
type Reply[T any] struct {
	V   T
	Err error
}

func reply[T any](v T, err error) Reply[T] { return Reply[T]{V: v, Err: err} }

// Add creates a task (answer: task.Task).
type Add struct{ Request task.AddRequest }

// Get asks for one task (answer: task.Task).
type Get struct{ ID string }

// Act applies a user action to one task (answer: task.Task).
type Act struct {
	ID          string
	Action      task.Action
	DeleteFiles bool // delete only: remove the finished file too
}

// ActAll applies pause or resume to every task it is allowed for (answer:
// int, how many).
type ActAll struct{ Action task.Action }

// List asks for one page of tasks (answer: task.Page).
type List struct{ Query task.Query }

// GetStats asks for the engine's live figures (answer: task.Stats).
type GetStats struct{}

// GetSettings asks for the settings (answer: task.Settings).
type GetSettings struct{}

// UpdateSettings changes and persists settings (answer: task.Settings).
type UpdateSettings struct{ Patch task.SettingsPatch }

// Shutdown stops every transfer so it resumes at the next start and writes
// the last progress to the store; the answer (struct{}) comes once the last
// transfer has stopped. The manager starts nothing after it.
type Shutdown struct{}

// AddBatch creates a batch (answer: task.BatchCreated).
type AddBatch struct{ Request task.BatchRequest }

// ListBatches asks for one page of batch summaries and standalone tasks
// (answer: task.BatchPage); Query.BatchID is ignored.
type ListBatches struct{ Query task.Query }

// BatchItems asks for the tasks of one batch (answer: []task.Task).
type BatchItems struct{ ID string }

// ActBatch applies an action to every task of a batch it is allowed for
// (answer: int, how many).
type ActBatch struct {
	ID          string
	Action      task.Action
	DeleteFiles bool
}

// ListLibrary asks for every library item, newest first (answer: []task.LibraryItem).
type ListLibrary struct{}

// GetLibraryItem asks for one item (answer: task.LibraryItem).
type GetLibraryItem struct{ ID string }

// PatchLibraryItem changes the user's fields of an item (answer: task.LibraryItem).
type PatchLibraryItem struct {
	ID    string
	Patch task.LibraryPatch
}

// DeleteLibraryItem removes an item, and its files if asked (answer: task.LibraryItem).
type DeleteLibraryItem struct {
	ID          string
	DeleteFiles bool
}

// internal messages
type (
	checkpointTick struct{}
	wake           struct{ id string }
)
