package main

import (
	"context"
	"math/rand/v2"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/fetchd/fetchd/engine/enginetest"
	wsclient "github.com/fetchd/fetchd/wsconn/client"
)

// The daemon killed with -9 at arbitrary moments of a mixed workload, again
// and again, on the same data and download dirs. Afterwards what clients were
// told holds: every task whose creation got a 2xx is there unless its
// deletion got one, none is lost or doubled, every file is byte for byte what
// the origin served, and nothing is left on disk that no task owns.
//
// FETCHD_KILL_ROUNDS sets the number of kills (3 by default), e.g.
// FETCHD_KILL_ROUNDS=50 go test -run KillLoop -v ./cmd/fetchd
func TestKillLoopKeepsEveryTaskAndEveryByte(t *testing.T) {
	rounds := 3
	if v := os.Getenv("FETCHD_KILL_ROUNDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("FETCHD_KILL_ROUNDS=%q: want a positive number", v)
		}
		rounds = n
	}
	start := time.Now()
	bin := buildDaemon(t)
	dir := t.TempDir()
	w := newKillWorkload(enginetest.NewOrigin(t))

	for r := range rounds {
		d := startDaemon(t, bin, dir)
		w.api = &wsclient.REST{Server: d.base}
		rng := rand.New(rand.NewPCG(uint64(r), 0x6b696c6c))
		killed := make(chan struct{})
		kill := func() {
			d.cmd.Process.Signal(syscall.SIGKILL) // mid-request, mid-download
			d.cmd.Wait()
			close(killed)
		}
		ctx, stop := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); w.run(ctx, rng, r, 8+rng.IntN(25), kill) }()
		select {
		case <-killed:
		case <-time.After(time.Minute):
			t.Fatalf("round %d: no kill within a minute", r)
		}
		stop()
		<-done
	}

	d := startDaemon(t, bin, dir)
	w.api = &wsclient.REST{Server: d.base}
	tasks := w.settle(t)
	checked := w.check(t, tasks, dir)
	kept := 0
	for _, tk := range tasks {
		if w.maybe[tk.URL] {
			kept++
		}
	}
	t.Logf("%d kill -9 rounds, %d requests (%d cut by a kill), %d tasks created with a 2xx and %d unanswered (%d of them kept), %d deleted; %d tasks COMPLETED, %d bytes verified by sha256, in %s",
		rounds, w.requests, w.cut, len(w.created), len(w.maybe), kept, len(w.deleted), len(tasks), checked, time.Since(start).Round(time.Second))
}
