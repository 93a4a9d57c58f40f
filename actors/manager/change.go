package manager

import "github.com/fetchd/fetchd/engine/task"

// notify tells the observer of a change, from the mailbox, so changes arrive
// in the order they happened.
func (m *Manager) notify(kind task.ChangeKind, t *task.Task) {
	if m.cfg.Notify != nil {
		m.cfg.Notify(task.Change{Kind: kind, Task: t.Clone()})
	}
}

func (m *Manager) notifyLibrary(kind task.ChangeKind, item *task.LibraryItem, changes map[string]any) {
	if m.cfg.Notify != nil {
		m.cfg.Notify(task.LibraryChange{Kind: kind, Item: cloneItem(item), Changes: changes})
	}
}
