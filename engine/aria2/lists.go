package aria2

import (
	"cmp"
	"math"
	"slices"

	"github.com/fetchd/fetchd/engine/task"
)

// tellActive lists the running tasks.
func (s *Server) tellActive(p params) (any, *rpcError) {
	keys, rerr := p.strs(0)
	if rerr != nil {
		return nil, rerr
	}
	tasks, rerr := s.tasksIn(task.Starting, task.Downloading)
	if rerr != nil {
		return nil, rerr
	}
	return s.statuses(tasks, keys), nil
}

// tellWaiting pages aria2's waiting queue, paused tasks included, in the
// order fetchd starts them: highest priority, then oldest.
func (s *Server) tellWaiting(p params) (any, *rpcError) {
	return s.tellRange(p, func(a, b *task.Task) int {
		return cmp.Or(cmp.Compare(b.Priority, a.Priority), task.ByCreation(a, b))
	}, task.Queued, task.Waiting, task.Paused)
}

// tellStopped pages the finished tasks, oldest first.
func (s *Server) tellStopped(p params) (any, *rpcError) {
	return s.tellRange(p, task.ByCreation, task.Completed, task.Failed, task.Cancelled)
}

// tellRange answers (offset, num, keys?) over the tasks in states, ordered
// by order. A negative offset counts from the end, and the answer then runs
// backwards, as in aria2.
func (s *Server) tellRange(p params, order func(a, b *task.Task) int, states ...task.State) (any, *rpcError) {
	offset, rerr := p.integer(0)
	if rerr != nil {
		return nil, rerr
	}
	n, rerr := p.integer(1)
	if rerr != nil {
		return nil, rerr
	}
	keys, rerr := p.strs(2)
	if rerr != nil {
		return nil, rerr
	}
	tasks, rerr := s.tasksIn(states...)
	if rerr != nil {
		return nil, rerr
	}
	slices.SortStableFunc(tasks, func(a, b task.Task) int { return order(&a, &b) })
	return s.statuses(window(tasks, offset, n), keys), nil
}

// window is aria2's [offset, offset+n), or for a negative offset the n
// items from len+offset backwards.
func window[T any](items []T, offset, n int) []T {
	out := []T{}
	if n <= 0 {
		return out
	}
	if offset >= 0 {
		for i := offset; i < len(items) && len(out) < n; i++ {
			out = append(out, items[i])
		}
		return out
	}
	for i := len(items) + offset; i >= 0 && i < len(items) && len(out) < n; i-- {
		out = append(out, items[i])
	}
	return out
}

// tasksIn lists the tasks in states (none: every task), oldest first.
func (s *Server) tasksIn(states ...task.State) ([]task.Task, *rpcError) {
	page, err := s.cfg.Engine.List(task.Query{States: states, Page: 1, Limit: math.MaxInt32})
	if err != nil {
		return nil, failed(err.Error())
	}
	return page.Tasks, nil
}

func (s *Server) statuses(tasks []task.Task, keys []string) []map[string]any {
	out := make([]map[string]any, 0, len(tasks))
	for i := range tasks {
		out = append(out, pick(s.status(&tasks[i]), keys))
	}
	return out
}
