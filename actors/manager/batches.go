package manager

import (
	"cmp"
	"fmt"
	"slices"

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

func (m *Manager) listBatches() task.BatchList {
	list := task.BatchList{Batches: []task.BatchSummary{}, Standalone: []task.Task{}}
	for id := range m.batches {
		list.Batches = append(list.Batches, task.Summarize(m.members(id)))
	}
	slices.SortFunc(list.Batches, func(a, b task.BatchSummary) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.BatchID, b.BatchID))
	})
	var lone []*task.Task
	for _, t := range m.tasks {
		if t.BatchID == nil {
			lone = append(lone, t)
		}
	}
	slices.SortFunc(lone, task.ByCreation)
	for _, t := range lone {
		list.Standalone = append(list.Standalone, t.Clone())
	}
	return list
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
