package publisher

import (
	"slices"

	"github.com/fetchd/fetchd/engine/task"
)

// batch is the publisher's view of one batch (or standalone task, a batch of
// one), for the events that speak of a batch as a whole.
type batch struct {
	id        string
	taskIDs   []string // creation order once sorted
	sorted    bool
	started   bool // BatchStarted sent since the user last (re)started it
	cancelled bool // BatchCancelled sent since then
	dirty     bool // changed since the last flush
}

func (p *Publisher) batchOf(t *task.Task) *batch {
	id := t.BatchKey()
	b := p.batches[id]
	if b == nil {
		b = &batch{id: id}
		p.batches[id] = b
	}
	return b
}

// tasks are the batch's tasks in creation order.
func (p *Publisher) tasks(b *batch) []*task.Task {
	if !b.sorted {
		slices.SortFunc(b.taskIDs, func(x, y string) int { return task.ByCreation(p.current[x], p.current[y]) })
		b.sorted = true
	}
	out := make([]*task.Task, len(b.taskIDs))
	for i, id := range b.taskIDs {
		out[i] = p.current[id]
	}
	return out
}

// describe names b for the events; clients name a batch by its first
// task's meta.
func describe(b *batch, tasks []*task.Task) task.Batch {
	desc := task.Batch{ID: b.id, TaskIDs: slices.Clone(b.taskIDs)}
	if len(tasks) > 0 {
		desc.Meta = tasks[0].Meta
	}
	return desc
}

// track records a task joining or leaving its batch.
func (p *Publisher) track(t *task.Task, kind task.ChangeKind) {
	b := p.batchOf(t)
	if kind == task.Loaded {
		// Known at start-up: nothing changed, but a batch that ran before
		// the restart has started already.
		b.started = b.started || t.StartedAt != nil
	} else {
		b.dirty = true
	}
	if kind == task.Removed {
		b.taskIDs = slices.DeleteFunc(b.taskIDs, func(id string) bool { return id == t.ID })
		if len(b.taskIDs) == 0 {
			delete(p.batches, b.id)
		}
		return
	}
	b.taskIDs = append(b.taskIDs, t.ID)
	b.sorted = false
}

// transition derives the batch events of one state change, in order.
func (p *Publisher) transition(prev task.State, t *task.Task) []task.Event {
	b := p.batchOf(t)
	b.dirty = true
	var out []task.Event
	switch {
	case t.State == task.Queued && (prev == task.Paused || prev == task.Failed || prev == task.Cancelled || prev == task.Completed):
		b.started, b.cancelled = false, false // the user resumed or retried it
	case t.State == task.Starting && !b.started:
		b.started = true
		out = append(out, task.BatchStarted{Batch: describe(b, p.tasks(b))})
	case t.State == task.Completed && prev != task.Completed:
		tasks := p.tasks(b)
		desc := describe(b, tasks)
		out = append(out, task.BatchTaskCompleted{Batch: desc, Number: slices.Index(b.taskIDs, t.ID) + 1})
		if allOf(tasks, func(x *task.Task) bool { return x.State == task.Completed }) {
			out = append(out, task.BatchCompleted{Batch: desc, Tasks: len(tasks)})
		}
	case t.State == task.Failed:
		msg := ""
		if t.ErrorMessage != nil {
			msg = *t.ErrorMessage
		}
		out = append(out, task.BatchFailed{Batch: describe(b, p.tasks(b)), Error: msg})
	case t.State == task.Cancelled && !b.cancelled:
		tasks := p.tasks(b)
		if !anyOf(tasks, func(x *task.Task) bool {
			return x.State.Active() || x.State == task.Queued || x.State == task.Waiting || x.State == task.Paused
		}) {
			b.cancelled = true
			out = append(out, task.BatchCancelled{Batch: describe(b, tasks)})
		}
	}
	return out
}

// progress is the status of every batch that changed since the last flush.
func (p *Publisher) progress() (task.BatchProgress, bool) {
	var ev task.BatchProgress
	for _, b := range p.batches {
		if !b.dirty {
			continue
		}
		b.dirty = false
		tasks := p.tasks(b)
		done := 0
		for _, x := range tasks {
			if x.State == task.Completed {
				done++
			}
		}
		ev.Batches = append(ev.Batches, task.BatchStatus{
			Batch:      describe(b, tasks),
			Completed:  done,
			Tasks:      len(tasks),
			Percentage: task.Percentage(tasks),
		})
	}
	return ev, len(ev.Batches) > 0
}

func allOf(ts []*task.Task, f func(*task.Task) bool) bool {
	return !anyOf(ts, func(t *task.Task) bool { return !f(t) })
}

func anyOf(ts []*task.Task, f func(*task.Task) bool) bool {
	return slices.ContainsFunc(ts, f)
}
