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
	Loaded     ChangeKind = iota // known at start-up; nothing to announce
	Added                        // a new task
	Updated                      // its state changed (and maybe other fields)
	Progressed                   // only progress figures changed
	Removed                      // deleted
)

// Event is one message of the live stream, before a dialect encodes it.
type Event interface{ isEvent() }

// SyncAll is the full state a connection starts from (Initial), or resumes
// from after a subscription change; a codec keeps only the tasks the
// connection's subscriptions let it see.
type SyncAll struct {
	Tasks   []Task
	Initial bool
	Version uint64 // the same snapshot keeps its version, so its frame is encoded once
}

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
	ID         string // the task or batch id subscribed to
}

// ErrorEvent tells a client its message was refused.
type ErrorEvent struct{ Message string }

// LibraryChange is the manager telling the publisher about the library.
type LibraryChange struct {
	Kind    ChangeKind // Added, Updated or Removed
	Item    LibraryItem
	Changes map[string]any // Updated: the fields the user changed
}

// LibraryAdded, LibraryUpdated and LibraryRemoved reach every connection.
type (
	LibraryAdded   struct{ Item LibraryItem }
	LibraryUpdated struct {
		Item    LibraryItem
		Changes map[string]any
	}
	LibraryRemoved struct{ Item LibraryItem }
)

// Batch names a batch for the events that speak of one as a whole: a batch,
// or a standalone task taken as a batch of one.
type Batch struct {
	ID      string
	TaskIDs []string          // in creation order
	Meta    map[string]string // its first task's, which names the batch to clients
}

// SeenBy reports whether a connection with subs receives events about b.
func (b Batch) SeenBy(subs Subscriptions) bool {
	if len(subs) == 0 {
		return true
	}
	if _, ok := subs[b.ID]; ok {
		return true
	}
	for _, id := range b.TaskIDs {
		if _, ok := subs[id]; ok {
			return true
		}
	}
	return false
}

// Events about batches as a whole, derived by the publisher.
type (
	BatchStarted       struct{ Batch Batch }
	BatchProgress      struct{ Batches []BatchStatus }
	BatchTaskCompleted struct {
		Batch  Batch
		Number int // the task's place in the batch, from 1, in creation order
	}
	BatchCompleted struct {
		Batch Batch
		Tasks int
	}
	BatchFailed struct {
		Batch Batch
		Error string
	}
	BatchCancelled struct{ Batch Batch }
)

// BatchStatus is one batch's progress at a flush.
type BatchStatus struct {
	Batch      Batch
	Completed  int // completed tasks
	Tasks      int
	Percentage float64
}

// Foreign is embedded by events made outside this package, such as a
// gateway's frames relayed from an engine: only codecs that know them
// encode them.
type Foreign struct{}

func (Foreign) isEvent()            {}
func (SyncAll) isEvent()            {}
func (LibraryAdded) isEvent()       {}
func (LibraryUpdated) isEvent()     {}
func (LibraryRemoved) isEvent()     {}
func (BatchStarted) isEvent()       {}
func (BatchProgress) isEvent()      {}
func (BatchTaskCompleted) isEvent() {}
func (BatchCompleted) isEvent()     {}
func (BatchFailed) isEvent()        {}
func (BatchCancelled) isEvent()     {}
func (TaskAdded) isEvent()          {}
func (TaskUpdated) isEvent()        {}
func (TaskBatch) isEvent()          {}
func (TaskRemoved) isEvent()        {}
func (EngineStats) isEvent()        {}
func (SubscriptionAck) isEvent()    {}
func (ErrorEvent) isEvent()         {}

// Subscriptions is a connection's set of task and batch ids; empty sees all.
type Subscriptions map[string]struct{}

// Has reports whether id is in the set.
func (s Subscriptions) Has(id string) bool {
	_, ok := s[id]
	return ok
}

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
