package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	wsclient "github.com/fetchd/fetchd/wsconn/client"
)

// soakSample is one row of a soak: the daemon's footprint at one moment and
// how much work it had done by then.
type soakSample struct {
	Elapsed time.Duration `json:"elapsed_ns"`
	footprint
	Tasks     int   `json:"tasks"`     // in the daemon
	Completed int64 `json:"completed"` // downloads completed (and deleted) so far
	Clients   int64 `json:"clients"`   // connected
}

// soakResult is what a soak measured; the table and --json show the same.
type soakResult struct {
	Target  string        `json:"target"`
	Samples []soakSample  `json:"samples"`
	Work    workCounts    `json:"work"`
	Verdict []soakVerdict `json:"verdict"`
}

// soak keeps a steady mixed workload on the daemon for o.soak and samples
// its footprint at the start and every o.sampleEvery after, printing each
// row as it is taken: o.soak/o.sampleEvery+1 samples in all.
func soak(ctx context.Context, o *options, stdout, stderr io.Writer) (*soakResult, error) {
	d, err := target(ctx, o)
	if err != nil {
		return nil, err
	}
	defer d.stop()
	api := &wsclient.REST{Server: d.base, Token: o.token}
	org, err := startOrigin(o.rate, o.rate*soakFileSeconds)
	if err != nil {
		return nil, err
	}
	defer org.close()
	if err := api.Do(ctx, "PUT", "/api/settings", map[string]any{"max_concurrent": max(o.downloads, 1), "speed_limit": 0}, nil); err != nil {
		return nil, fmt.Errorf("settings: %w", err)
	}

	system := quietSystem()
	defer system.Shutdown()
	st := newStats()
	w := &workload{o: o, api: api, org: org, system: system, st: st, stderr: stderr, clients: plan(o, []string{d.base}, "", nil, st), rng: rand.New(rand.NewPCG(1, 2))}
	if err := ramp(ctx, system, w.clients, o.ramp, st); err != nil {
		return nil, err
	}
	w.step(ctx) // the first downloads are on before the first sample
	wctx, stopWork := context.WithCancel(ctx)
	worked := make(chan struct{})
	go func() { defer close(worked); w.run(wctx) }()

	res := &soakResult{Target: d.base}
	start := time.Now()
	n := int(o.soak / o.sampleEvery)
	printSoakHeader(stdout)
	for i := 0; i <= n; i++ {
		select {
		case <-ctx.Done():
		case <-time.After(time.Until(start.Add(time.Duration(i) * o.sampleEvery))):
		}
		if ctx.Err() != nil {
			break // an interrupted soak still reports what it sampled
		}
		s := soakSample{Elapsed: time.Since(start), footprint: d.footprint(api), Clients: st.live(), Completed: w.counts.Completed.Load()}
		if tasks, err := api.List(ctx, nil); err == nil {
			s.Tasks = len(tasks)
		}
		res.Samples = append(res.Samples, s)
		printSoakRow(stdout, s)
	}
	stopWork()
	<-worked
	for _, c := range w.clients {
		system.Root.Send(c.self, hangUp{})
	}
	waitClosed(w.clients, func(*client) bool { return true }, 10*time.Second)
	res.Work = w.counts.snapshot()
	res.Verdict = judge(res.Samples)
	return res, nil
}
