package transfer

import (
	"context"
	"errors"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fetchd/fetchd/engine/task"
)

// segmented is one download over several ranged connections into one part
// file. Each connection is a goroutine of the transfer, not an actor: they
// share the file and the plan under one mutex and block on the network, so
// a mailbox per range would add a hop per chunk and supervise nothing more.
// Supervision is here instead: a panic or a failure of one connection
// cancels its siblings, and the transfer waits for all of them before its
// file is closed and Finished is sent.
type segmented struct {
	t    *transfer
	plan *plan
	f    *os.File
	size int64

	open    atomic.Int32 // connections working now
	allowed atomic.Int32 // connections the origin accepts, lowered by 429 and 503

	// Checkpoints name only bytes the disk has, even after a power loss:
	// the ranges go out as they were at the last sync of the file.
	durable []task.Range
}

// rangesSize is the size of the file the job's checkpoints describe, or 0
// when they do not fit the part file on disk and cannot be trusted.
func (t *transfer) rangesSize() int64 {
	var size int64
	for _, r := range t.job.Ranges {
		if r.Start > r.Pos || r.Pos > r.End {
			return 0
		}
		size = max(size, r.End)
	}
	if size == 0 || t.partSize() != size {
		return 0
	}
	return size
}

// segmented downloads the file of size over connections. first, when not
// nil, is the answer to the opening request, from byte 0; without it the
// job's checkpoints are resumed.
func (t *transfer) segmented(ctx context.Context, first *http.Response, size int64) (int64, int64, error) {
	if first != nil {
		defer first.Body.Close()
		if err := t.name(ctx, first); err != nil {
			return 0, size, err
		}
	}
	if err := os.MkdirAll(t.job.Dir, 0o755); err != nil {
		return 0, size, fatal("create folder: %v", err)
	}
	ranges := t.job.Ranges
	if first != nil {
		ranges = split(size, connectionsFor(size, t.job.Connections))
	}
	if err := checkSpace(t.job.Dir, size-task.Done(ranges)); err != nil {
		return task.Done(ranges), size, err
	}
	t.job.Validators.Size = size
	if first != nil && !t.plan(Plan{TaskID: t.job.TaskID, Ranges: ranges, Validators: t.job.Validators}) {
		return 0, size, ErrStopped
	}
	t.job.Ranges = ranges
	f, err := os.OpenFile(t.partPath(), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return task.Done(ranges), size, fatal("open part file: %v", err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		return task.Done(ranges), size, fatal("size part file: %v", err)
	}
	g := &segmented{t: t, plan: newPlan(ranges), f: f, size: size, durable: ranges}
	err = g.run(ctx, first)
	f.Sync() // the checkpoints stored from here name bytes on disk
	t.job.Ranges = g.plan.snapshot()
	done := task.Done(t.job.Ranges)
	if err != nil {
		return done, size, err
	}
	if err := f.Close(); err != nil {
		return done, size, fatal("close part file: %v", err)
	}
	return size, size, t.complete(ctx, nil)
}

// run starts the connections and waits for them all.
func (g *segmented) run(ctx context.Context, first *http.Response) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	n := max(connectionsFor(g.size, g.t.job.Connections), 1)
	g.allowed.Store(int32(n))
	var wg sync.WaitGroup
	for i := range n {
		s := g.plan.take() // in order: the opening answer's range is the first
		if s == nil {
			break
		}
		resp := first
		if i > 0 {
			resp = nil
		}
		g.open.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					cancel(fatal("internal error: a connection crashed: %v", r))
				}
			}()
			if err := g.connection(ctx, s, resp); err != nil {
				cancel(err)
			}
		}()
	}
	g.t.report(Started{TaskID: g.t.job.TaskID, Downloaded: task.Done(g.plan.snapshot()), Size: g.size,
		Validators: g.t.job.Validators, Ranges: g.plan.snapshot(), Segments: int(g.open.Load())})
	stopReports := make(chan struct{})
	reported := make(chan struct{})
	go func() {
		defer close(reported)
		tick := time.NewTicker(g.t.env.ProgressEvery)
		defer tick.Stop()
		for {
			select {
			case <-stopReports:
				return
			case <-tick.C:
				g.progress()
			}
		}
	}()
	wg.Wait()
	close(stopReports)
	<-reported
	if err := context.Cause(ctx); err != nil {
		return err
	}
	if !g.plan.complete() {
		return retryable("the origin refused every connection")
	}
	return nil
}

// progress reports the bytes written and the checkpoints of every range.
func (g *segmented) progress() {
	ranges := g.plan.snapshot()
	if err := g.f.Sync(); err == nil {
		g.durable = ranges
	}
	p := Progress{TaskID: g.t.job.TaskID, Downloaded: task.Done(ranges), Size: g.size, Ranges: g.durable, Segments: int(g.open.Load())}
	if a := int(g.allowed.Load()); a < g.t.job.Connections {
		p.Connections = a
	}
	g.t.report(p)
}

// connection downloads s, then takes ranges until none is left. Refused by
// the origin while others still run, it hands its range back and ends.
func (g *segmented) connection(ctx context.Context, s *span, resp *http.Response) error {
	buf := make([]byte, max(g.t.job.BufferSize, 4<<10))
	for s != nil {
		err := g.fetchSpan(ctx, s, resp, buf)
		resp = nil
		var refused *refusedError
		if errors.As(err, &refused) {
			g.plan.release(s)
			if left := g.open.Add(-1); left > 0 {
				g.allowed.Store(min(g.allowed.Load(), left))
				return nil
			}
			return refused.err // the last connection: the task waits and retries
		}
		if err != nil {
			g.open.Add(-1)
			return err
		}
		s = g.plan.take()
	}
	g.open.Add(-1)
	return nil
}
