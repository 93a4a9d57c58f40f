package manager

import (
	"cmp"
	"slices"
	"strings"

	"github.com/fetchd/fetchd/engine/task"
)

func (m *Manager) query(q task.Query) task.Page {
	counts := m.statusCounts()
	matched := make([]*task.Task, 0, len(m.tasks))
	for _, t := range m.tasks {
		if (len(q.States) == 0 || slices.Contains(q.States, t.State)) && (q.BatchID == "" || t.BatchID != nil && *t.BatchID == q.BatchID) {
			matched = append(matched, t)
		}
	}
	less := compareBy(q.SortBy)
	slices.SortFunc(matched, func(a, b *task.Task) int {
		c := less(a, b)
		if c == 0 {
			c = cmp.Compare(a.ID, b.ID) // a total order, so pages never overlap
		}
		if q.Desc {
			return -c
		}
		return c
	})
	page := task.Page{Total: len(matched), StatusCounts: counts, Tasks: []task.Task{}}
	from := min((q.Page-1)*q.Limit, len(matched))
	to := min(from+q.Limit, len(matched))
	for _, t := range matched[from:to] {
		page.Tasks = append(page.Tasks, t.Clone())
	}
	return page
}

// statusCounts counts every task by state, every state present.
func (m *Manager) statusCounts() map[task.State]int {
	counts := make(map[task.State]int, len(task.States))
	for _, s := range task.States {
		counts[s] = 0
	}
	for _, t := range m.tasks {
		counts[t.State]++
	}
	return counts
}

func compareBy(key string) func(a, b *task.Task) int {
	switch key {
	case "priority":
		return func(a, b *task.Task) int { return cmp.Compare(a.Priority, b.Priority) }
	case "progress":
		return func(a, b *task.Task) int { return cmp.Compare(a.Progress, b.Progress) }
	case "size":
		return func(a, b *task.Task) int { return cmp.Compare(a.Size, b.Size) }
	case "filename":
		return func(a, b *task.Task) int { return strings.Compare(a.Filename, b.Filename) }
	case "status":
		return func(a, b *task.Task) int { return cmp.Compare(a.State.Order(), b.State.Order()) }
	default:
		return task.ByCreation
	}
}

func (m *Manager) stats() task.Stats {
	var s task.Stats
	for _, t := range m.tasks {
		s.Count(t)
	}
	s.DBCounts = task.DBCounts(m.cfg.Store.Counts())
	return s
}
