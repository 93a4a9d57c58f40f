package manager

import "github.com/fetchd/fetchd/engine/task"

// ChangeKind says what happened to a task.
type ChangeKind int

const (
	Added   ChangeKind = iota // a new task
	Updated                   // its state changed (and maybe other fields)
	Moved                     // only progress figures changed
	Removed                   // deleted; only ID and BatchID are set
)

// Change is one event of the manager's ordered stream; Task is a snapshot.
type Change struct {
	Kind ChangeKind
	Task task.Task
}

func (m *Manager) notify(kind ChangeKind, t *task.Task) {
	if m.cfg.Notify != nil {
		m.cfg.Notify(Change{Kind: kind, Task: t.Clone()})
	}
}
