package task

// Change is one step of the manager's ordered stream of task changes. Task is
// a snapshot the receiver may keep.
type Change struct {
	Kind ChangeKind
	Task Task
}

// ChangeKind says what happened to a task.
type ChangeKind int

const (
	Loaded  ChangeKind = iota // known at start-up; nothing to announce
	Added                     // a new task
	Updated                   // its state changed (and maybe other fields)
	Moved                     // only progress figures changed
	Removed                   // deleted
)

// Event is one message of the live stream, before a dialect encodes it.
type Event interface{ isEvent() }

// SyncAll is the full state a connection starts from; a codec keeps only the
// tasks the connection's subscriptions let it see.
type SyncAll struct{ Tasks []Task }

// TaskAdded announces a new task in full.
type TaskAdded struct{ Task Task }

// TaskUpdated is a state change: the id, the state and the fields that changed.
type TaskUpdated struct{ Delta Delta }

// TaskBatch is the progress of a flush window: one delta per changed task.
type TaskBatch struct{ Deltas []Delta }

// TaskRemoved announces a deleted task.
type TaskRemoved struct {
	ID      string
	BatchID *string
}

// EngineStats is the periodic figures, for everyone.
type EngineStats struct{ Stats Stats }

// SubscriptionAck confirms a subscription change.
type SubscriptionAck struct {
	Subscribed bool
	DownloadID string
}

// ErrorEvent tells a client its message was refused.
type ErrorEvent struct{ Message string }

func (SyncAll) isEvent()         {}
func (TaskAdded) isEvent()       {}
func (TaskUpdated) isEvent()     {}
func (TaskBatch) isEvent()       {}
func (TaskRemoved) isEvent()     {}
func (EngineStats) isEvent()     {}
func (SubscriptionAck) isEvent() {}
func (ErrorEvent) isEvent()      {}

// Subscriptions is a connection's set of task and batch ids; empty sees all.
type Subscriptions map[string]struct{}

// Sees reports whether a connection with these subscriptions receives events
// about a task with this id and batch.
func (s Subscriptions) Sees(id string, batchID *string) bool {
	if len(s) == 0 {
		return true
	}
	if _, ok := s[id]; ok {
		return true
	}
	if batchID != nil {
		_, ok := s[*batchID]
		return ok
	}
	return false
}
