// Package publisher is the batcher: it turns the manager's ordered changes
// into live events. State changes go out at once; progress accumulates and is
// flushed as one batch of true field deltas every interval. Because joins and
// subscription changes pass through it too, a connection's SYNC_ALL sits at
// an exact point of the one ordered stream.
//
// Connections send it the hub's own messages, which it passes on in their
// place: it fills in Attach's First and ends Resubscribe's Then with a
// SYNC_ALL of this moment, and flushes pending progress before CloseAll.
package publisher

import (
	"slices"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/fetchd/fetchd/actors/hub"
	"github.com/fetchd/fetchd/actors/tick"
	"github.com/fetchd/fetchd/engine/task"
	"github.com/fetchd/fetchd/engine/telemetry"
)

type flushTick struct{}

// Publisher is the actor.
type Publisher struct {
	hub      *actor.PID
	interval time.Duration

	current  map[string]*task.Task // the latest snapshot of every task
	lastSent map[string]*task.Task // each task as last sent to anyone
	pending  map[string]struct{}   // tasks with progress not yet flushed
	sync     *task.SyncAll         // cached snapshot, nil when stale
	version  uint64                // of the last snapshot built

	batches map[string]*batch // by batch key, for the events about batches
	metrics *telemetry.Metrics

	stop func()
}

// Props spawns a publisher that sends to hub and flushes every interval.
func Props(hubPID *actor.PID, interval time.Duration, metrics *telemetry.Metrics) *actor.Props {
	return actor.PropsFromProducer(func() actor.Actor {
		return &Publisher{
			hub:      hubPID,
			interval: interval,
			current:  map[string]*task.Task{},
			lastSent: map[string]*task.Task{},
			pending:  map[string]struct{}{},

			batches: map[string]*batch{},
			metrics: metrics,
		}
	})
}

// Receive handles the publisher's messages.
func (p *Publisher) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		p.stop = tick.Every(ctx.ActorSystem().Root, ctx.Self(), p.interval, flushTick{})
	case *actor.Stopping:
		p.stop()
	case task.Change:
		p.change(ctx, msg)
	case task.LibraryChange:
		p.library(ctx, msg)
	case flushTick:
		p.flush(ctx)
	case hub.Attach:
		first := p.snapshot()
		first.Initial = true
		msg.First = first
		ctx.Send(p.hub, msg)
	case hub.Resubscribe:
		msg.Then = append(msg.Then, p.snapshot())
		ctx.Send(p.hub, msg)
	case hub.Detach, hub.Unicast:
		ctx.Send(p.hub, msg)
	case hub.CloseAll:
		p.flush(ctx)
		ctx.RequestWithCustomSender(p.hub, msg, ctx.Sender())
	}
}

func (p *Publisher) change(ctx actor.Context, c task.Change) {
	t := &c.Task
	if c.Kind != task.Progressed {
		p.sync = nil // progress alone changes nothing that was sent
	}
	switch c.Kind {
	case task.Loaded:
		p.current[t.ID], p.lastSent[t.ID] = t, t
		p.track(t, c.Kind)
	case task.Added:
		p.current[t.ID], p.lastSent[t.ID] = t, t
		p.track(t, c.Kind)
		p.broadcast(ctx, task.TaskAdded{Task: *t})
	case task.Updated:
		prev := p.lastSent[t.ID]
		if prev == nil {
			prev = t
		}
		p.current[t.ID], p.lastSent[t.ID] = t, t
		delete(p.pending, t.ID) // the update carries the progress too
		p.broadcast(ctx, task.TaskUpdated{Delta: task.Diff(prev, t, true)})
		for _, ev := range p.transition(prev.State, t) {
			p.broadcast(ctx, ev)
		}
	case task.Progressed:
		if _, known := p.current[t.ID]; known {
			p.current[t.ID] = t
			p.pending[t.ID] = struct{}{}
			p.batchOf(t).dirty = true
		}
	case task.Removed:
		p.track(t, c.Kind)
		delete(p.current, t.ID)
		delete(p.lastSent, t.ID)
		delete(p.pending, t.ID)
		p.broadcast(ctx, task.TaskRemoved{ID: t.ID, BatchID: t.BatchID})
	}
}

func (p *Publisher) library(ctx actor.Context, c task.LibraryChange) {
	switch c.Kind {
	case task.Added:
		p.broadcast(ctx, task.LibraryAdded{Item: c.Item})
	case task.Updated:
		p.broadcast(ctx, task.LibraryUpdated{Item: c.Item, Changes: c.Changes})
	case task.Removed:
		p.broadcast(ctx, task.LibraryRemoved{Item: c.Item})
	}
}

func (p *Publisher) broadcast(ctx actor.Context, ev task.Event) {
	ctx.Send(p.hub, hub.Broadcast{Event: ev})
}

// flush sends one TASK_BATCH_UPDATE with what changed since each task was
// last sent, or nothing when nothing did.
func (p *Publisher) flush(ctx actor.Context) {
	start := time.Now()
	defer func() { p.metrics.Flushed(time.Since(start)) }()
	if batch, ok := p.batch(); ok {
		p.broadcast(ctx, batch)
	}
	if progress, ok := p.progress(); ok {
		p.broadcast(ctx, progress)
	}
}

// batch collects the deltas of every task with pending progress and marks
// them sent.
func (p *Publisher) batch() (task.TaskBatch, bool) {
	if len(p.pending) == 0 {
		return task.TaskBatch{}, false
	}
	deltas := make([]task.Delta, 0, len(p.pending))
	for id := range p.pending {
		cur := p.current[id]
		if d := task.Diff(p.lastSent[id], cur, false); !d.Empty() {
			deltas = append(deltas, d)
			p.lastSent[id] = cur
		}
	}
	clear(p.pending)
	if len(deltas) > 0 {
		p.sync = nil // what was sent changed: a joiner after this flush needs it
	}
	return task.TaskBatch{Deltas: deltas}, len(deltas) > 0
}

// snapshot is every task as last sent, oldest first; it is shared until what
// was sent changes.
func (p *Publisher) snapshot() task.SyncAll {
	if p.sync == nil {
		// What everyone was last sent, not the newest values: the deltas that
		// follow are computed against it, and pending progress reaches the
		// joiner with everyone else at the next flush.
		tasks := make([]task.Task, 0, len(p.lastSent))
		for _, t := range p.lastSent {
			tasks = append(tasks, *t)
		}
		slices.SortFunc(tasks, func(a, b task.Task) int { return task.ByCreation(&a, &b) })
		p.version++
		p.sync = &task.SyncAll{Tasks: tasks, Version: p.version}
	}
	return *p.sync
}
