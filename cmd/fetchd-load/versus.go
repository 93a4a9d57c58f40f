package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	wsclient "github.com/fetchd/fetchd/wsconn/client"
)

// --versus centrifugo: the same clients receive the same TASK_BATCH_UPDATE
// at the same rate, first from fetchd, then from Centrifugo, in one run.

// The goals, as ratios fetchd / Centrifugo.
const (
	goalLag    = 0.2
	goalMemory = 0.3
	goalCPU    = 0.5
)

// publishEvery is Centrifugo's rate, fetchd's batch window.
const publishEvery = 500 * time.Millisecond

// side is what one server did with N clients.
type side struct {
	Server         string         `json:"server"`
	Connected      int            `json:"connected"`
	Compressed     int            `json:"compressed_conns"` // negotiated permessage-deflate
	DialFailed     int            `json:"dial_failed"`
	Dropped        int            `json:"dropped"` // connected, but closed before the window ended
	ConnectP99     int64          `json:"connect_p99_ms"`
	LagP50         int64          `json:"lag_p50_ms"`
	LagP99         int64          `json:"lag_p99_ms"`
	LagUnbounded   bool           `json:"lag_p99_unbounded"` // over 1 % of the deliveries never came
	LagMax         int64          `json:"lag_max_ms"`
	Batches        int            `json:"batches_in_window"`
	Readers        int            `json:"reading_clients"`
	Missed         int            `json:"batches_missed"`
	PublishFailed  int            `json:"publish_failed,omitempty"`
	MBPerSec       float64        `json:"mb_per_sec"`
	RSSBeforeMB    float64        `json:"rss_before_clients_mb"`
	RSSMB          float64        `json:"rss_with_clients_mb"`
	RSSPerConnKiB  float64        `json:"rss_per_conn_kib"`
	CPUPercent     float64        `json:"cpu_percent"`          // during the window, of one core
	BaseCPUPercent float64        `json:"baseline_cpu_percent"` // the same work without clients
	FanoutCPU      float64        `json:"fanout_cpu_percent"`   // CPUPercent - BaseCPUPercent
	Closes         map[string]int `json:"closes"`
}

// versusResult is a --versus run: both sides and their ratios.
type versusResult struct {
	Conns      int     `json:"conns"`
	Downloads  int     `json:"downloads"`
	FrameBytes int     `json:"frame_bytes"`
	FrameTasks int     `json:"frame_tasks"`
	WindowSec  float64 `json:"window_sec"`
	Compressed bool    `json:"compressed"` // both sides' clients offered permessage-deflate
	Centrifugo string  `json:"centrifugo_version"`
	Fetchd     side    `json:"fetchd"`
	Other      side    `json:"centrifugo"`
	// fetchd / Centrifugo; null where Centrifugo's figure is not above 0
	LagRatio    *float64 `json:"lag_p99_ratio"`
	MemoryRatio *float64 `json:"memory_per_conn_ratio"`
	CPURatio    *float64 `json:"fanout_cpu_ratio"`
}

// runVersus measures fetchd, then Centrifugo, with o.conns clients each.
func runVersus(ctx context.Context, o *options, stderr io.Writer) (*versusResult, error) {
	// Build Centrifugo first: a build must not run beside a measurement.
	bin, err := centrifugoBinary(ctx, o.versusBin, stderr)
	if err != nil {
		return nil, err
	}
	v := &versusResult{Conns: o.conns, Downloads: o.downloads, WindowSec: o.duration.Seconds(), Compressed: o.compress, Centrifugo: centrifugoVersion}
	frame, err := versusFetchd(ctx, o, v, stderr)
	if err != nil {
		return nil, fmt.Errorf("fetchd side: %w", err)
	}
	v.FrameBytes = len(frame)
	if err := versusCentrifugo(ctx, o, bin, frame, v, stderr); err != nil {
		return nil, fmt.Errorf("Centrifugo side: %w", err)
	}
	v.LagRatio = lagRatio(v.Fetchd, v.Other)
	v.MemoryRatio = ratio(v.Fetchd.RSSPerConnKiB, v.Other.RSSPerConnKiB)
	v.CPURatio = ratio(v.Fetchd.FanoutCPU, v.Other.FanoutCPU)
	return v, nil
}

// lagP99 is the 99th percentile of every delivery the clients were owed, a
// batch that never came counting as later than any: with more than 1 % of
// them missing there is none (unbounded), with fewer the percentile moves up
// among those that came.
func lagP99(lag *histogram, missed int) (ms int64, unbounded bool) {
	got := lag.n.Load()
	owed := got + int64(missed)
	if owed == 0 || float64(missed) > 0.01*float64(owed) {
		return 0, owed > 0
	}
	return lag.quantile(0.99 * float64(owed) / float64(got)), false
}

// lagRatio is fetchd's lag p99 over Centrifugo's: 0 when only Centrifugo's
// is unbounded, nil when fetchd's is or Centrifugo's is not above 0.
func lagRatio(f, c side) *float64 {
	switch {
	case f.LagUnbounded:
		return nil
	case c.LagUnbounded:
		r := 0.0
		return &r
	}
	return ratio(float64(f.LagP99), float64(c.LagP99))
}

// ratio is a / b, or nil when b is not above 0.
func ratio(a, b float64) *float64 {
	if b <= 0 {
		return nil
	}
	r := a / b
	return &r
}

// versusFetchd runs the fetchd side and returns the batch it captured.
func versusFetchd(ctx context.Context, o *options, v *versusResult, stderr io.Writer) ([]byte, error) {
	d, err := target(ctx, o)
	if err != nil {
		return nil, err
	}
	defer d.stop()
	api := &wsclient.REST{Server: d.base, Token: o.token}
	org, err := startOrigin(o.rate, o.rate*int((4*o.duration+time.Duration(o.conns/o.ramp)*time.Second+3*time.Minute).Seconds()))
	if err != nil {
		return nil, err
	}
	defer org.close()
	if _, _, err := startDownloads(ctx, api, org, o.downloads); err != nil {
		return nil, fmt.Errorf("start downloads: %w", err)
	}
	fmt.Fprintf(stderr, "fetchd-load: fetchd: capturing a TASK_BATCH_UPDATE of %d tasks\n", o.downloads)
	frame, tasks, err := captureBatch(ctx, wsclient.Options{Server: d.base, Token: o.token}, o.downloads)
	if err != nil {
		return nil, err
	}
	v.FrameTasks = tasks
	// The baseline: the same downloads, no clients, an equal window.
	fmt.Fprintf(stderr, "fetchd-load: fetchd: %s with the downloads and no clients\n", o.duration)
	b0, _ := d.sample()
	if err := sleepCtx(ctx, o.duration); err != nil {
		return nil, err
	}
	b1, _ := d.sample()
	st := newStats()
	st.batchLagOnly = true // the one message both servers send
	clients := make([]*client, o.conns)
	for i := range clients {
		clients[i] = &client{id: i, base: d.base, token: o.token, compress: o.compress, st: st, closed: make(chan struct{})}
	}
	s, err := measureSide(ctx, o, d, b1, clients, st, nil, stderr)
	if err != nil {
		return nil, err
	}
	s.Server = "fetchd"
	s.BaseCPUPercent = cpuPercent(b0, b1)
	s.FanoutCPU = max(s.CPUPercent-s.BaseCPUPercent, 0) // below 0 is noise
	v.Fetchd = s
	return frame, nil
}

// versusCentrifugo runs the Centrifugo side, publishing frame, freshly
// stamped, every publishEvery.
func versusCentrifugo(ctx context.Context, o *options, bin string, frame []byte, v *versusResult, stderr io.Writer) error {
	c, err := startCentrifugo(ctx, bin, o.compress)
	if err != nil {
		return err
	}
	defer c.stop()
	st := newStats()
	st.batchLagOnly = true // the one message both servers send
	pub := startPublisher(ctx, c, frame, st)
	defer pub.stop()
	if err := sleepCtx(ctx, time.Second); err != nil {
		return err
	}
	before, _ := c.sample()
	clients := make([]*client, o.conns)
	for i := range clients {
		clients[i] = &client{id: i, role: role{channel: centrifugoChannel}, base: c.base, compress: o.compress, st: st, closed: make(chan struct{})}
	}
	s, err := measureSide(ctx, o, c.daemon, before, clients, st, pub, stderr)
	if err != nil {
		return err
	}
	s.Server = "centrifugo " + centrifugoVersion
	s.FanoutCPU = s.CPUPercent // it downloads nothing: all its work is fan-out
	v.Other = s
	return nil
}

// measureSide connects the clients to proc, waits for them to settle, and
// measures a window of o.duration.
func measureSide(ctx context.Context, o *options, proc *daemon, before sample, clients []*client, st *stats, pub *publisher, stderr io.Writer) (side, error) {
	system := quietSystem()
	defer system.Shutdown()
	progress := startProgress(stderr, st, proc, len(clients))
	defer progress.stop()
	if err := ramp(ctx, system, clients, o.ramp, st); err != nil {
		return side{}, err
	}
	if err := sleepCtx(ctx, 2*time.Second); err != nil { // the ramp's backlog delivered
		return side{}, err
	}
	ramped, _ := proc.sample()
	st.lag.reset()
	t0, b0 := time.Now(), st.bytes.Load()
	st.from.Store(t0.Add(500 * time.Millisecond).UnixMilli())
	st.to.Store(t0.Add(o.duration - time.Second).UnixMilli())
	if err := sleepCtx(ctx, o.duration); err != nil {
		return side{}, err
	}
	end, _ := proc.sample()
	// Batches of the window still on their way reach their readers: a late
	// batch is lag, not a miss.
	if err := drain(ctx, clients, st, 30*time.Second); err != nil {
		return side{}, err
	}
	s := side{
		Connected:  int(st.connected.Load()),
		Compressed: int(st.deflated.Load()),
		DialFailed: int(st.dialFailed.Load()),
		ConnectP99: st.connect.quantile(0.99),
		LagP50:     st.lag.quantile(0.5),
		LagMax:     st.lag.max.Load(),
		MBPerSec:   float64(st.bytes.Load()-b0) / time.Since(t0).Seconds() / 1e6,
	}
	if pub != nil {
		s.PublishFailed = int(pub.failed.Load())
	}
	// Every client that connected counts, those dropped with what they
	// missed after they left.
	s.Batches = st.batchCount()
	for _, c := range clients {
		if !c.joined.Load() {
			continue
		}
		s.Readers++
		if !c.live.Load() {
			s.Dropped++
		}
		c.mu.Lock()
		s.Missed += max(s.Batches-c.batches, 0)
		c.mu.Unlock()
	}
	s.LagP99, s.LagUnbounded = lagP99(&st.lag, s.Missed)
	s.Closes = st.closes.snapshot()
	if before.rss > 0 {
		s.RSSBeforeMB = float64(before.rss) / 1e6
		s.RSSMB = float64(ramped.rss) / 1e6
		s.RSSPerConnKiB = float64(ramped.rss-before.rss) / 1024 / math.Max(float64(s.Connected), 1)
		s.CPUPercent = cpuPercent(ramped, end)
	}
	for _, c := range clients {
		system.Root.Send(c.self, hangUp{})
	}
	waitClosed(clients, func(*client) bool { return true }, 10*time.Second)
	return s, nil
}

// drain waits until every live client has every batch of the window, or
// within passes.
func drain(ctx context.Context, clients []*client, st *stats, within time.Duration) error {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		want, behind := st.batchCount(), false
		for _, c := range clients {
			if !c.live.Load() {
				continue
			}
			c.mu.Lock()
			behind = behind || c.batches < want
			c.mu.Unlock()
			if behind {
				break
			}
		}
		if !behind {
			return nil
		}
		if err := sleepCtx(ctx, 100*time.Millisecond); err != nil {
			return err
		}
	}
	return nil
}

func cpuPercent(a, b sample) float64 {
	return 100 * (b.cpuSec - a.cpuSec) / b.at.Sub(a.at).Seconds()
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// captureBatch connects one client and returns the fourth TASK_BATCH_UPDATE
// that carries every one of the downloads (or, after 15 s, the largest
// seen), and how many tasks it carries.
func captureBatch(ctx context.Context, opts wsclient.Options, downloads int) ([]byte, int, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := wsclient.Dial(ctx, opts)
	if err != nil {
		return nil, 0, err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	var best []byte
	bestN, full := 0, 0
	const steady = 4 // the full batch taken: 2 s into the downloads
	until := time.Now().Add(15 * time.Second)
	for time.Now().Before(until) || best == nil {
		m, err := conn.Read()
		if err != nil {
			if best != nil {
				break
			}
			return nil, 0, fmt.Errorf("no TASK_BATCH_UPDATE within 30 s: %w", err)
		}
		if m.Type != "TASK_BATCH_UPDATE" {
			continue
		}
		var b struct{ Tasks []json.RawMessage }
		if json.Unmarshal(m.Raw, &b) != nil {
			continue
		}
		if len(b.Tasks) > bestN || best == nil {
			best, bestN = m.Raw, len(b.Tasks)
		}
		// The first batches carry every field of each new task; the
		// steady state carries only what moves.
		if len(b.Tasks) >= downloads {
			if full++; full == steady {
				best, bestN = m.Raw, len(b.Tasks)
				break
			}
		}
	}
	return best, bestN, nil
}

// publisher publishes the captured batch every publishEvery, each with a
// fresh ts, whatever a publish takes: a slow server must not slow the rate,
// as fetchd's batches do not wait for its clients. Every batch due counts,
// published or not, so that one no client got is missed by every client.
type publisher struct {
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	failed   atomic.Int64
	inFlight atomic.Int64
}

// maxInFlight publishes may wait on the server at once; a batch due beyond
// them is not sent, and counts as failed.
const maxInFlight = 16

func startPublisher(ctx context.Context, c *centrifugo, frame []byte, st *stats) *publisher {
	ctx, cancel := context.WithCancel(ctx)
	p := &publisher{cancel: cancel}
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: maxInFlight}}
	fail := func(err error) {
		if ctx.Err() == nil && p.failed.Add(1) == 1 {
			fmt.Fprintln(os.Stderr, "\nfetchd-load: Centrifugo:", err)
		}
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		tick := time.NewTicker(publishEvery)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			ts := time.Now().UnixMilli()
			st.noteBatch(ts)
			data, err := stampTS(frame, ts)
			if err != nil {
				fail(err)
				continue
			}
			if p.inFlight.Add(1) > maxInFlight {
				p.inFlight.Add(-1)
				fail(fmt.Errorf("%d publishes still waiting on the server", maxInFlight))
				continue
			}
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				defer p.inFlight.Add(-1)
				if err := c.publish(ctx, hc, centrifugoChannel, data); err != nil {
					fail(err)
				}
			}()
		}
	}()
	return p
}

func (p *publisher) stop() {
	p.cancel()
	p.wg.Wait()
}

// table prints both sides and the ratios against the goals.
func (v *versusResult) table(w io.Writer) {
	f, c := v.Fetchd, v.Other
	fmt.Fprintf(w, "%d clients, one %d-byte TASK_BATCH_UPDATE of %d tasks every 500 ms, %.0f s window", v.Conns, v.FrameBytes, v.FrameTasks, v.WindowSec)
	if v.Compressed {
		fmt.Fprint(w, ", permessage-deflate on both sides")
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "\t%s\t%s\n", f.Server, c.Server)
	row := func(k string, g func(s side) string) { fmt.Fprintf(tw, "%s\t%s\t%s\n", k, g(f), g(c)) }
	row("connected / failed / dropped", func(s side) string {
		return fmt.Sprintf("%d / %d / %d", s.Connected, s.DialFailed, s.Dropped)
	})
	if v.Compressed {
		row("permessage-deflate negotiated by", func(s side) string { return fmt.Sprintf("%d", s.Compressed) })
	}
	row("connect p99", func(s side) string { return fmt.Sprintf("%d ms", s.ConnectP99) })
	row("lag p50 / p99 / max", func(s side) string {
		if s.LagUnbounded {
			return fmt.Sprintf("%d / unbounded / %d ms", s.LagP50, s.LagMax)
		}
		return fmt.Sprintf("%d / %d / %d ms", s.LagP50, s.LagP99, s.LagMax)
	})
	row("batches in window, missed", func(s side) string { return fmt.Sprintf("%d, %d missed by %d readers", s.Batches, s.Missed, s.Readers) })
	row("MB/s to clients", func(s side) string { return fmt.Sprintf("%.2f", s.MBPerSec) })
	row("RSS before / with clients", func(s side) string { return fmt.Sprintf("%.1f / %.1f MB", s.RSSBeforeMB, s.RSSMB) })
	row("RSS per connection", func(s side) string { return fmt.Sprintf("%.1f KiB", s.RSSPerConnKiB) })
	row("CPU, baseline, fan-out (% of a core)", func(s side) string {
		return fmt.Sprintf("%.0f, %.0f, %.0f", s.CPUPercent, s.BaseCPUPercent, s.FanoutCPU)
	})
	row("closes seen by clients", func(s side) string { return formatCloses(s.Closes) })
	if c.PublishFailed > 0 {
		fmt.Fprintf(tw, "publishes failed\t\t%d\n", c.PublishFailed)
	}
	tw.Flush()
	fmt.Fprintln(w)
	goal := func(name string, r *float64, g float64, why string) {
		switch {
		case r == nil && why == "":
			fmt.Fprintf(tw, "%s\tn/a\tgoal ≤ %.1f×\tCentrifugo's figure is not above 0\n", name, g)
		case r == nil:
			fmt.Fprintf(tw, "%s\tn/a\tgoal ≤ %.1f×\tmisses: %s\n", name, g, why)
		case *r <= g:
			fmt.Fprintf(tw, "%s\t%.2f×\tgoal ≤ %.1f×\tmeets%s\n", name, *r, g, why)
		default:
			fmt.Fprintf(tw, "%s\t%.2f×\tgoal ≤ %.1f×\tmisses\n", name, *r, g)
		}
	}
	var lagWhy string
	switch {
	case f.LagUnbounded:
		lagWhy = "fetchd missed over 1 % of its deliveries"
	case c.LagUnbounded:
		lagWhy = ": Centrifugo missed over 1 % of its deliveries"
	}
	goal("lag p99, fetchd / Centrifugo", v.LagRatio, goalLag, lagWhy)
	goal("memory per connection", v.MemoryRatio, goalMemory, "")
	goal("fan-out CPU", v.CPURatio, goalCPU, "")
	tw.Flush()
}

// versusFlags checks the flags of a --versus run, which always spawns its
// fetchd: the baseline needs the daemon to itself.
func versusFlags(o *options) error {
	switch {
	case o.versus != "centrifugo":
		return fmt.Errorf("--versus %q: the one comparison is --versus centrifugo", o.versus)
	case o.url != "":
		return errors.New("--versus spawns its own fetchd: drop --url")
	case o.eventsFrac != 0 || o.subFrac != 0 || o.stallFrac != 0:
		return errors.New("--versus runs tasks-dialect readers only: drop --events, --subscribe and --stall")
	case o.duration < 2*time.Second:
		return errors.New("--versus needs a --duration of at least 2s")
	}
	o.spawn = true
	return nil
}

// report is what a run prints, and with --json writes.
type report interface{ table(io.Writer) }

// measure runs the load test, or with --versus the comparison, with
// --soak the soak, with --floor the bare loopback.
func measure(ctx context.Context, o *options, stdout, stderr io.Writer) (report, error) {
	if o.floor > 0 {
		return runFloor(ctx, o, stderr)
	}
	if o.versus != "" {
		return runVersus(ctx, o, stderr)
	}
	if o.soak > 0 {
		return soak(ctx, o, stdout, stderr)
	}
	return drive(ctx, o, stderr)
}
