package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/fetchd/fetchd/engine/task"
	wsclient "github.com/fetchd/fetchd/wsconn/client"
)

// drive runs one load test from start to report.
func drive(ctx context.Context, o *options, stderr io.Writer) (*result, error) {
	d, err := target(ctx, o)
	if err != nil {
		return nil, err
	}
	defer d.stop()
	gateways, err := spawnGateways(ctx, d, o.gateways, o.token)
	defer func() {
		for _, g := range gateways {
			g.stop()
		}
	}()
	if err != nil {
		return nil, fmt.Errorf("start gateways: %w", err)
	}
	sockets := socketBases(o, d, gateways)
	api := &wsclient.REST{Server: d.base, Token: o.token}
	rampTime := time.Duration(float64(o.conns)/float64(o.ramp)*float64(time.Second)) + 10*time.Second
	org, err := startOrigin(o.rate, o.rate*int((rampTime+o.duration+time.Minute).Seconds()))
	if err != nil {
		return nil, err
	}
	defer org.close()
	batchID, taskIDs, err := startDownloads(ctx, api, org, o.downloads)
	if err != nil {
		return nil, fmt.Errorf("start downloads: %w", err)
	}
	// Every download running before the baseline and the clients: the
	// run measures the steady state, not a thousand downloads starting.
	if err := waitRunning(ctx, api, o.downloads, stderr); err != nil {
		return nil, err
	}
	base, _ := d.sample()
	gwBase := sampleAll(gateways)

	system := quietSystem()
	defer system.Shutdown()
	st := newStats()
	clients := plan(o, sockets, batchID, taskIDs, st)
	res := &result{Options: *o, Target: d.base}

	// Ramp up, reporting as it goes.
	progress := startProgress(stderr, st, d, len(clients))
	defer progress.stop()
	if err := ramp(ctx, system, clients, o.ramp, st); err != nil {
		return nil, err
	}
	time.Sleep(2 * time.Second) // every SYNC_ALL delivered
	ramped, _ := d.sample()
	gwRamped := sampleAll(gateways)
	res.ConnectP50, res.ConnectP99 = st.connect.quantile(0.5), st.connect.quantile(0.99)

	// Measure.
	st.lag.reset()
	t0, m0, b0 := time.Now(), st.messages.Load(), st.bytes.Load()
	st.from.Store(t0.Add(500 * time.Millisecond).UnixMilli())
	st.to.Store(t0.Add(o.duration - time.Second).UnixMilli())
	stopBlinks := blinkEvery(system, clients, 5*time.Second)
	select {
	case <-ctx.Done():
		stopBlinks()
		return nil, ctx.Err()
	case <-time.After(o.duration):
	}
	stopBlinks()
	t1 := time.Now()
	end, _ := d.sample()
	gwEnd := sampleAll(gateways)
	secs := t1.Sub(t0).Seconds()
	res.MessagesPerSec = float64(st.messages.Load()-m0) / secs
	res.MBPerSec = float64(st.bytes.Load()-b0) / secs / 1e6
	res.LagP50, res.LagP99, res.LagMax = st.lag.quantile(0.5), st.lag.quantile(0.99), st.lag.max.Load()
	res.Connected = int(st.connected.Load())
	res.DialFailed = int(st.dialFailed.Load())
	if base.rss > 0 {
		res.DaemonRSSBaseMB = float64(base.rss) / 1e6
		res.DaemonRSSMB = float64(end.rss) / 1e6
		res.RSSPerConnKiB = float64(ramped.rss-base.rss) / 1024 / math.Max(float64(res.Connected), 1)
		res.DaemonCPUPercent = 100 * (end.cpuSec - ramped.cpuSec) / end.at.Sub(ramped.at).Seconds()
	}
	for i, g := range gateways {
		res.Gateways = append(res.Gateways, footprintOf(g.base, gwBase[i], gwRamped[i], gwEnd[i], (res.Connected+len(gateways)-1-i)/len(gateways)))
	}
	res.countBatches(clients, st)
	res.Compressed = o.compress
	if n := st.wholeInflated.Load(); n > 0 {
		res.WireToPlain = float64(st.wholeWire.Load()) / float64(n)
	}
	res.Replayed, res.Resynced = st.replayed.Load(), st.resynced.Load()
	res.Resumes = res.Replayed + res.Resynced

	// Quiesce and compare the verifying clients with the server.
	if err := res.verify(ctx, api, clients, o.downloads); err != nil {
		fmt.Fprintln(stderr, "fetchd-load: verify:", err)
	}
	// Let the stalled clients read again: what reaches them is what was
	// buffered, then their close if the server's 10 s to deliver it last.
	res.ServerSlowCloses = scrapeSlowCloses(api)
	close(st.unstall)
	time.Sleep(2 * time.Second)
	for _, c := range clients {
		system.Root.Send(c.self, hangUp{})
	}
	waitClosed(clients, func(*client) bool { return true }, 10*time.Second)
	res.Closes = st.closes.snapshot()
	res.Lost = st.readErrors.snapshot()
	return res, nil
}

// quietSystem is the clients' actor system, with its logs dropped.
func quietSystem() *actor.ActorSystem {
	return actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.DiscardHandler)
	}))
}

// ramp spawns the clients, perSecond of them a second, and waits up to a
// minute for every one to connect or fail.
func ramp(ctx context.Context, system *actor.ActorSystem, clients []*client, perSecond int, st *stats) error {
	perTick := max(perSecond/100, 1)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for i := 0; i < len(clients); {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		for end := min(i+perTick, len(clients)); i < end; i++ {
			spawn(system, clients[i])
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	for st.connected.Load()+st.dialFailed.Load() < int64(len(clients)) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}

func spawn(system *actor.ActorSystem, c *client) {
	c.self = system.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return c }))
}

// waitRunning waits until n downloads are DOWNLOADING.
func waitRunning(ctx context.Context, api *wsclient.REST, n int, stderr io.Writer) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var s task.Stats
		if err := api.Do(ctx, "GET", "/api/downloads/stats", nil, &s); err != nil {
			return err
		}
		if s.DBCounts["downloading"] >= int64(n) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d downloads running after 2 minutes", s.DBCounts["downloading"], n)
		}
		fmt.Fprintf(stderr, "\rdownloads running: %d/%d ", s.DBCounts["downloading"], n)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// blinkEvery makes each blinking client drop its connection and resume it
// once per period, spread evenly over the period; it returns a stop func.
func blinkEvery(system *actor.ActorSystem, clients []*client, period time.Duration) func() {
	var blinkers []*client
	for _, c := range clients {
		if c.role.blink {
			blinkers = append(blinkers, c)
		}
	}
	done := make(chan struct{})
	if len(blinkers) == 0 {
		return func() {}
	}
	const slots = 50
	go func() {
		t := time.NewTicker(period / slots)
		defer t.Stop()
		for k := 0; ; k++ {
			select {
			case <-done:
				return
			case <-t.C:
			}
			for i, c := range blinkers {
				if (i+k)%slots == 0 {
					system.Root.Send(c.self, blink{})
				}
			}
		}
	}()
	return func() { close(done) }
}

// plan assigns each client its role, deterministically by index.
// socketBases are where the clients connect: the gateways when there are
// some, else the daemon.
func socketBases(o *options, d *daemon, gateways []*daemon) []string {
	if len(o.wsURLs) > 0 {
		return o.wsURLs
	}
	var out []string
	for _, g := range gateways {
		out = append(out, g.base)
	}
	if len(out) == 0 {
		out = []string{d.base}
	}
	return out
}

func sampleAll(ds []*daemon) []sample {
	out := make([]sample, len(ds))
	for i, d := range ds {
		out[i], _ = d.sample()
	}
	return out
}

// plan makes the clients; client i connects to bases[i % len(bases)].
func plan(o *options, bases []string, batchID string, taskIDs []string, st *stats) []*client {
	n := o.conns
	events := int(math.Round(o.eventsFrac * float64(n)))
	stall := int(math.Round(o.stallFrac * float64(n)))
	sub := int(math.Round(o.subFrac * float64(n)))
	out := make([]*client, n)
	verified := 0
	for i := range out {
		r := role{}
		switch {
		case i < events:
			r.events = true
		case i < events+stall:
			r.stall = true
		case i < events+stall+sub && len(taskIDs) > 0:
			// a few ids: two tasks, or the batch
			if i%2 == 0 && batchID != "" {
				r.subscribe = []string{batchID}
			} else {
				r.subscribe = []string{taskIDs[i%len(taskIDs)], taskIDs[(i+1)%len(taskIDs)]}
			}
		case verified < o.verify:
			r.verify = true
			verified++
		}
		r.blink = !r.stall && len(r.subscribe) == 0 && !r.events && i%1000 < int(math.Round(o.blinkFrac*1000))
		out[i] = &client{id: i, role: r, base: bases[i%len(bases)], token: o.token, compress: o.compress, st: st, closed: make(chan struct{})}
		if r.verify {
			out[i].mirror = wsclient.NewMirror()
		}
	}
	return out
}

func waitClosed(clients []*client, which func(*client) bool, within time.Duration) {
	deadline := time.After(within)
	for _, c := range clients {
		if !which(c) {
			continue
		}
		select {
		case <-c.closed:
		case <-deadline:
			return
		}
	}
}

// verify pauses every download, then compares each verifying client's map
// with GET /api/downloads until they agree (PROTOCOL.md promises it a
// quiet second after the last change), or every one that differs has been
// quiet too, or a minute passes: an overloaded run's clients may be
// seconds behind.
func (r *result) verify(ctx context.Context, api *wsclient.REST, clients []*client, downloads int) error {
	if _, err := api.ActAll(ctx, task.Pause); err != nil {
		return err
	}
	start := time.Now()
	var page struct{ Downloads []task.Task }
	for {
		time.Sleep(500 * time.Millisecond)
		if err := api.Do(ctx, "GET", fmt.Sprintf("/api/downloads?limit=%d", max(downloads, 1)), nil, &page); err != nil {
			return err
		}
		r.Verified, r.VerifyMismatches, r.VerifyBehind = mismatches(clients, page.Downloads, time.Now())
		if r.VerifyBehind == 0 || time.Since(start) > time.Minute {
			r.ConvergedMs = time.Since(start).Milliseconds()
			return nil
		}
	}
}

// quietFor is how long a client that differs must have had no task message
// to count as wrong rather than behind.
const quietFor = 2 * time.Second

// mismatches counts the verifying clients, those whose map differs, and of
// those the ones still behind: resuming, or reached by a task message
// within the last two seconds, so still reading a backlog. One that differs
// after two quiet seconds broke the convergence rule.
func mismatches(clients []*client, tasks []task.Task, now time.Time) (verified, bad, behind int) {
	want := map[string]string{}
	for _, t := range tasks {
		want[t.ID] = canonical(t)
	}
	for _, c := range clients {
		if !c.role.verify || !c.live.Load() {
			continue
		}
		verified++
		c.mu.Lock()
		got := c.mirror.Tasks
		differs := len(got) != len(want)
		for id, w := range want {
			if t, ok := got[id]; !ok || canonical(t) != w {
				differs = true
			}
		}
		caughtUp := now.Sub(c.changed) >= quietFor && !c.resuming
		c.mu.Unlock()
		if differs {
			bad++
			if !caughtUp {
				behind++
			}
		}
	}
	return verified, bad, behind
}
