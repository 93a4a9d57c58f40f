package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/engine/task"
	wsclient "github.com/fetchd/fetchd/wsconn/client"
)

// killWorkload is a client of the kill loop, and its ledger of what the
// daemon answered. One goroutine at a time uses it: a round's, then the
// test's once the round is over.
type killWorkload struct {
	origin *enginetest.Origin
	api    *wsclient.REST
	blobs  [][]byte
	sums   [][sha256.Size]byte
	blobOf map[string]int // url -> the blob the origin serves there

	created      map[string]string // url -> id: the creation got a 2xx
	maybe        map[string]bool   // url: the creation got no answer
	ids          []string          // every id the daemon gave
	deleted      map[string]bool   // id: the deletion got a 2xx
	maybeDeleted map[string]bool   // id: the deletion got no answer

	seq, requests, cut int
}

// newKillWorkload serves a pool of files from 64 KiB to over 3 MiB, so some
// downloads take several connections (a range is at least 1 MiB).
func newKillWorkload(o *enginetest.Origin) *killWorkload {
	w := &killWorkload{origin: o, blobOf: map[string]int{}, created: map[string]string{}, maybe: map[string]bool{}, deleted: map[string]bool{}, maybeDeleted: map[string]bool{}}
	rng := rand.New(rand.NewPCG(7, 7))
	for i := range 24 {
		b := enginetest.Bytes(64<<10+rng.IntN(3<<20), uint64(1000+i))
		w.blobs = append(w.blobs, b)
		w.sums = append(w.sums, sha256.Sum256(b))
	}
	return w
}

// run makes requests at a client's pace until ctx ends; as it sends the
// killAt-th it starts kill, which races the request to the daemon.
func (w *killWorkload) run(ctx context.Context, rng *rand.Rand, round, killAt int, kill func()) {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for op := 0; ctx.Err() == nil; op++ {
		if op == killAt {
			go kill()
		}
		w.step(ctx, rng, round)
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
	}
}

func (w *killWorkload) step(ctx context.Context, rng *rand.Rand, round int) {
	switch p := rng.IntN(100); {
	case p < 25:
		w.add(ctx, rng, round, 1)
	case p < 35:
		w.add(ctx, rng, round, 2+rng.IntN(3))
	case p < 45:
		w.remove(ctx, rng)
	case p < 65:
		w.act(ctx, rng, task.Pause)
	case p < 85:
		w.act(ctx, rng, task.Resume)
	default:
		limit := []int64{0, 512 << 10, 2 << 20, 8 << 20}[rng.IntN(4)]
		w.answered(w.api.Do(ctx, "PUT", "/api/settings", map[string]any{"speed_limit": limit}, nil))
	}
}

// add creates n tasks, one alone or n as a batch, of new URLs.
func (w *killWorkload) add(ctx context.Context, rng *rand.Rand, round, n int) {
	urls := make([]string, n)
	for i := range urls {
		w.seq++
		blob := rng.IntN(len(w.blobs))
		urls[i] = w.origin.Add(fmt.Sprintf("/r%d/f%d.bin", round, w.seq), &enginetest.File{Data: w.blobs[blob], Rate: 1 << 20, ETag: fmt.Sprintf(`"b%d"`, blob)})
		w.blobOf[urls[i]] = blob
	}
	var got []task.Task
	var err error
	if n == 1 {
		var tk task.Task
		tk, err = w.api.Add(ctx, task.AddRequest{URL: urls[0], Connections: 1 + rng.IntN(4)})
		got = []task.Task{tk}
	} else {
		req := task.BatchRequest{BatchName: fmt.Sprintf("b%d", w.seq), Items: make([]task.BatchItem, n)}
		for i, u := range urls {
			req.Items[i].URL = u
		}
		var ans wsclient.BatchAdded
		ans, err = w.api.AddBatch(ctx, req)
		got = ans.Tasks
	}
	if w.answered(err) {
		for _, tk := range got {
			w.created[tk.URL] = tk.ID
			w.ids = append(w.ids, tk.ID)
		}
	} else if !refused(err) {
		for _, u := range urls {
			w.maybe[u] = true
		}
	}
}

// remove deletes a task that is not known to be gone, with its files.
func (w *killWorkload) remove(ctx context.Context, rng *rand.Rand) {
	id := w.pick(rng)
	if id == "" || w.deleted[id] {
		return
	}
	err := w.api.Remove(ctx, id, true)
	switch {
	case w.answered(err):
		w.deleted[id] = true
	case !refused(err):
		w.maybeDeleted[id] = true
	}
}

func (w *killWorkload) act(ctx context.Context, rng *rand.Rand, a task.Action) {
	if id := w.pick(rng); id != "" {
		_, err := w.api.Act(ctx, id, a)
		w.answered(err)
	}
}

func (w *killWorkload) pick(rng *rand.Rand) string {
	if len(w.ids) == 0 {
		return ""
	}
	return w.ids[rng.IntN(len(w.ids))]
}

// answered counts a request and reports whether it got a 2xx; one sent
// but never answered was cut by a kill.
func (w *killWorkload) answered(err error) bool {
	w.requests++
	if err != nil && !refused(err) {
		w.cut++
	}
	return err == nil
}

// refused reports whether the request surely changed nothing: the daemon
// answered with a status other than 2xx, or was not there to connect to
// (killed, and not yet started again).
func refused(err error) bool {
	var se *wsclient.StatusError
	var ue *wsclient.UnreachableError
	return errors.As(err, &se) || errors.As(err, &ue) && ue.Refused()
}

// path is the origin path of url.
func (w *killWorkload) path(url string) string { return strings.TrimPrefix(url, w.origin.URL) }
