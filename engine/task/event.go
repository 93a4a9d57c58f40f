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
	DownloadID string
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

// Download names a download (a batch, or a standalone task) for the events
// dialect, with the ids a subscription may name.
type Download struct {
	ID          string
	ChapterID   string
	MangaID     string
	ExtensionID string
	TaskIDs     []string
}

// SeenBy reports whether a connection with subs receives events about d.
func (d Download) SeenBy(subs Subscriptions) bool {
	if len(subs) == 0 {
		return true
	}
	if _, ok := subs[d.ID]; ok {
		return true
	}
	for _, id := range d.TaskIDs {
		if _, ok := subs[id]; ok {
			return true
		}
	}
	return false
}

// Events about downloads as a whole, derived by the publisher.
type (
	DownloadStarted  struct{ Download Download }
	DownloadProgress struct{ Downloads []DownloadStatus }
	PageComplete     struct {
		Download Download
		Page     int // from 1, in creation order
	}
	ChapterComplete struct {
		Download   Download
		TotalPages int
	}
	DownloadFailed struct {
		Download Download
		Error    string
	}
	DownloadCancelled struct{ Download Download }
)

// DownloadStatus is one download's progress at a flush.
type DownloadStatus struct {
	Download    Download
	CurrentPage int // completed pages
	TotalPages  int
	Percentage  float64
}

func (SyncAll) isEvent()           {}
func (LibraryAdded) isEvent()      {}
func (LibraryUpdated) isEvent()    {}
func (LibraryRemoved) isEvent()    {}
func (DownloadStarted) isEvent()   {}
func (DownloadProgress) isEvent()  {}
func (PageComplete) isEvent()      {}
func (ChapterComplete) isEvent()   {}
func (DownloadFailed) isEvent()    {}
func (DownloadCancelled) isEvent() {}
func (TaskAdded) isEvent()         {}
func (TaskUpdated) isEvent()       {}
func (TaskBatch) isEvent()         {}
func (TaskRemoved) isEvent()       {}
func (EngineStats) isEvent()       {}
func (SubscriptionAck) isEvent()   {}
func (ErrorEvent) isEvent()        {}

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
