package manager

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/fetchd/fetchd/engine/task"
)

// members are the tasks of a batch, oldest first (the page order).
func (m *Manager) members(batchID string) []*task.Task {
	out := make([]*task.Task, 0, len(m.batches[batchID]))
	for _, t := range m.batches[batchID] {
		out = append(out, t)
	}
	slices.SortFunc(out, task.ByCreation)
	return out
}

// row is one display row of the batch list: a batch or a standalone task.
type row struct {
	batch *task.BatchSummary
	lone  *task.Task
	prio  int // a batch's: its highest task's
}

func (r row) id() string {
	if r.batch != nil {
		return r.batch.BatchID
	}
	return r.lone.ID
}

// rowOrder orders rows by a sort key as compareBy orders tasks.
func rowOrder(key string) func(a, b row) int {
	by := func(batch func(*task.BatchSummary) float64, lone func(*task.Task) float64) func(a, b row) int {
		val := func(r row) float64 {
			if r.batch != nil {
				return batch(r.batch)
			}
			return lone(r.lone)
		}
		return func(a, b row) int { return cmp.Compare(val(a), val(b)) }
	}
	switch key {
	case "priority":
		return func(a, b row) int { return cmp.Compare(a.prio, b.prio) }
	case "progress":
		return by(func(s *task.BatchSummary) float64 { return s.Progress }, func(t *task.Task) float64 { return t.Progress })
	case "size":
		return by(func(s *task.BatchSummary) float64 { return float64(s.TotalSize) }, func(t *task.Task) float64 { return float64(t.Size) })
	case "status":
		return by(func(s *task.BatchSummary) float64 { return float64(s.State.Order()) }, func(t *task.Task) float64 { return float64(t.State.Order()) })
	case "filename":
		name := func(r row) string {
			if r.batch != nil {
				return r.batch.BatchName
			}
			return r.lone.Filename
		}
		return func(a, b row) int { return strings.Compare(name(a), name(b)) }
	default:
		created := func(r row) time.Time {
			if r.batch != nil {
				return r.batch.CreatedAt
			}
			return r.lone.CreatedAt
		}
		return func(a, b row) int { return created(a).Compare(created(b)) }
	}
}

// listBatches is one page of display rows. A state filter keeps a
// standalone task in that state, and a batch with any task in it.
func (m *Manager) listBatches(q task.Query) task.BatchPage {
	wanted := func(s task.State) bool { return len(q.States) == 0 || slices.Contains(q.States, s) }
	var rows []row
	for id := range m.batches {
		members := m.members(id)
		if !slices.ContainsFunc(members, func(t *task.Task) bool { return wanted(t.State) }) {
			continue
		}
		sum := task.Summarize(members)
		r := row{batch: &sum, prio: members[0].Priority}
		for _, t := range members {
			r.prio = max(r.prio, t.Priority)
		}
		rows = append(rows, r)
	}
	for _, t := range m.tasks {
		if t.BatchID == nil && wanted(t.State) {
			rows = append(rows, row{lone: t, prio: t.Priority})
		}
	}
	order := rowOrder(q.SortBy)
	slices.SortFunc(rows, func(a, b row) int {
		c := cmp.Or(order(a, b), cmp.Compare(a.id(), b.id())) // a total order, so pages never overlap
		if q.Desc {
			return -c
		}
		return c
	})
	page := task.BatchPage{Batches: []task.BatchSummary{}, Standalone: []task.Task{}, Total: len(rows), StatusCounts: m.statusCounts()}
	from := min((q.Page-1)*q.Limit, len(rows))
	for _, r := range rows[from:min(from+q.Limit, len(rows))] {
		if r.batch != nil {
			page.Batches = append(page.Batches, *r.batch)
		} else {
			page.Standalone = append(page.Standalone, r.lone.Clone())
		}
	}
	return page
}

func (m *Manager) batchItems(id string) ([]task.Task, error) {
	members := m.members(id)
	if len(members) == 0 {
		return nil, fmt.Errorf("%w: no batch %q", task.ErrNotFound, id)
	}
	out := make([]task.Task, len(members))
	for i, t := range members {
		out[i] = t.Clone()
	}
	return out, nil
}

// actBatch applies an action to each task of a batch it is allowed for. It
// stops at a failed write and says how many were changed before it.
func (m *Manager) actBatch(ctx actor.Context, a ActBatch) (int, error) {
	members := m.members(a.ID)
	if len(members) == 0 {
		return 0, fmt.Errorf("%w: no batch %q", task.ErrNotFound, a.ID)
	}
	n := 0
	for _, t := range members {
		if a.Action.Check(t.State) == nil {
			if _, err := m.act(ctx, Act{ID: t.ID, Action: a.Action, DeleteFiles: a.DeleteFiles}); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}
