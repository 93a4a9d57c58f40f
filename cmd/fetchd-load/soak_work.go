package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/fetchd/fetchd/engine/task"
	wsclient "github.com/fetchd/fetchd/wsconn/client"
)

// soakFileSeconds is how long each soak download takes at --rate: short
// enough that tasks keep completing and being replaced.
const soakFileSeconds = 5

// workload is the soak's steady churn, as a day of real use looks: downloads
// added one at a time and in batches, completing and being deleted with
// their files, and their library items cleared, so what the daemon holds
// stays bounded; one paused and resumed now and then, and a few clients
// hanging up and connecting again.
type workload struct {
	o       *options
	api     *wsclient.REST
	org     *origin
	system  *actor.ActorSystem
	st      *stats
	clients []*client // owned by run once it starts
	counts  workCounters
	seq     int
	rng     *rand.Rand
	stderr  io.Writer
}

type workCounters struct {
	Added, Completed, Failed, Deleted, Cleared, Paused, Resumed, Reconnected, Errors atomic.Int64
}

// workCounts is what the workload did, for the report.
type workCounts struct {
	Added       int64 `json:"added"`
	Completed   int64 `json:"completed"`
	Failed      int64 `json:"failed"`
	Deleted     int64 `json:"deleted"`
	Cleared     int64 `json:"library_items_cleared"`
	Paused      int64 `json:"paused"`
	Resumed     int64 `json:"resumed"`
	Reconnected int64 `json:"reconnected"`
	Errors      int64 `json:"api_errors"`
}

func (c *workCounters) snapshot() workCounts {
	return workCounts{c.Added.Load(), c.Completed.Load(), c.Failed.Load(), c.Deleted.Load(), c.Cleared.Load(), c.Paused.Load(), c.Resumed.Load(), c.Reconnected.Load(), c.Errors.Load()}
}

// run churns once a second until ctx ends; the first step has been taken.
func (w *workload) run(ctx context.Context) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		w.step(ctx)
	}
}

// step deletes what finished, clears the library, resumes what it paused,
// pauses one running download, tops the active downloads up to --downloads
// and reconnects 1 % of the clients.
func (w *workload) step(ctx context.Context) {
	tasks, err := w.api.List(ctx, nil)
	if err != nil {
		w.count(nil, err)
		return
	}
	active := 0
	var running []string
	for _, t := range tasks {
		switch t.State {
		case task.Completed, task.Failed, task.Cancelled:
			if err := w.api.Remove(ctx, t.ID, true); err != nil {
				w.count(nil, err)
				continue
			}
			w.counts.Deleted.Add(1)
			if t.State == task.Completed {
				w.counts.Completed.Add(1)
			} else {
				w.counts.Failed.Add(1)
			}
		case task.Paused:
			_, err := w.api.Act(ctx, t.ID, task.Resume)
			w.count(&w.counts.Resumed, err)
			active++
		case task.Downloading:
			running = append(running, t.ID)
			active++
		default:
			active++
		}
	}
	w.clearLibrary(ctx)
	if len(running) > 0 {
		_, err := w.api.Act(ctx, running[w.rng.IntN(len(running))], task.Pause)
		w.count(&w.counts.Paused, err)
	}
	for active < w.o.downloads && ctx.Err() == nil {
		n := min(w.o.downloads-active, 1+w.rng.IntN(5))
		active += n
		w.add(ctx, n)
	}
	w.reconnect(max(len(w.clients)/100, 1))
}

// clearLibrary deletes every library item: a deleted task leaves its item,
// and a library that only grows is not a steady state.
func (w *workload) clearLibrary(ctx context.Context) {
	var lib struct{ Items []task.LibraryItem }
	if err := w.api.Do(ctx, "GET", "/api/library", nil, &lib); err != nil {
		w.count(nil, err)
		return
	}
	for _, it := range lib.Items {
		w.count(&w.counts.Cleared, w.api.Do(ctx, "DELETE", "/api/library/"+url.PathEscape(it.ID), nil, nil))
	}
}

// add starts n downloads: one task alone, or a batch of n.
func (w *workload) add(ctx context.Context, n int) {
	next := func() string {
		w.seq++
		return fmt.Sprintf("%s/soak/%d-%d", w.org.base, time.Now().UnixNano(), w.seq)
	}
	if n == 1 {
		_, err := w.api.Add(ctx, task.AddRequest{URL: next()})
		w.count(&w.counts.Added, err)
		return
	}
	req := task.BatchRequest{BatchName: fmt.Sprintf("soak-%d", w.seq), Items: make([]task.BatchItem, n)}
	for i := range req.Items {
		req.Items[i].URL = next()
	}
	_, err := w.api.AddBatch(ctx, req)
	w.count(&w.counts.Added, err)
	if err == nil {
		w.counts.Added.Add(int64(n - 1))
	}
}

// reconnect hangs up n random clients and connects a new one in each place.
func (w *workload) reconnect(n int) {
	for range n {
		i := w.rng.IntN(len(w.clients))
		old := w.clients[i]
		w.system.Root.Send(old.self, hangUp{})
		w.system.Root.Poison(old.self) // after the hang-up: its mailbox is in order
		c := &client{id: old.id, role: old.role, base: old.base, token: old.token, compress: old.compress, st: w.st, closed: make(chan struct{})}
		if c.role.verify {
			c.mirror = wsclient.NewMirror()
		}
		spawn(w.system, c)
		w.clients[i] = c
		w.counts.Reconnected.Add(1)
	}
}

// count counts a call that worked, or an error. A 409 is no error: the
// task moved on (completed, say) between the listing and the call; nor is
// a call cut short by the end of the soak.
func (w *workload) count(ok *atomic.Int64, err error) {
	var se *wsclient.StatusError
	switch {
	case err == nil:
		ok.Add(1)
	case errors.As(err, &se) && se.Status == http.StatusConflict, errors.Is(err, context.Canceled):
	default:
		w.counts.Errors.Add(1)
		fmt.Fprintln(w.stderr, "fetchd-load: soak:", err)
	}
}
