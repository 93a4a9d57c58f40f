package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/fetchd/fetchd/engine/task"
)

// result is what one run measured; the table and --json show the same.
type result struct {
	Options          options            `json:"-"`
	Target           string             `json:"target"`
	Connected        int                `json:"connected"`
	DialFailed       int                `json:"dial_failed"`
	ConnectP50       int64              `json:"connect_p50_ms"`
	ConnectP99       int64              `json:"connect_p99_ms"`
	MessagesPerSec   float64            `json:"messages_per_sec"`
	MBPerSec         float64            `json:"mb_per_sec"`
	LagP50           int64              `json:"lag_p50_ms"`
	LagP99           int64              `json:"lag_p99_ms"`
	LagMax           int64              `json:"lag_max_ms"`
	Batches          int                `json:"batches_in_window"`
	Readers          int                `json:"reading_clients"`
	Missed           int                `json:"batches_missed"`
	Duplicated       int                `json:"batches_duplicated"`
	OutOfOrder       int                `json:"batches_out_of_order"`
	Verified         int                `json:"verified_clients"`
	VerifyMismatches int                `json:"verify_mismatches"`
	VerifyBehind     int                `json:"verify_behind"` // of the mismatches, clients not yet caught up
	ConvergedMs      int64              `json:"converged_ms"`
	Closes           map[string]int     `json:"closes"`
	ServerSlowCloses int                `json:"server_slow_consumer_closes"`
	DaemonRSSBaseMB  float64            `json:"daemon_rss_base_mb"`
	DaemonRSSMB      float64            `json:"daemon_rss_mb"`
	RSSPerConnKiB    float64            `json:"daemon_rss_per_conn_kib"`
	DaemonCPUPercent float64            `json:"daemon_cpu_percent"`
	Compressed       bool               `json:"compressed"`
	WireToPlain      float64            `json:"wire_to_plain_ratio,omitempty"` // bytes on the wire / inflated, for the verifying clients
	Resumes          int64              `json:"resumes"`                       // connections resumed that got their first message
	Replayed         int64              `json:"resumes_replayed"`
	Resynced         int64              `json:"resumes_resynced"`
	Lost             map[string]int     `json:"lost,omitempty"` // connections that ended without a close frame during the run, by error
	Gateways         []processFootprint `json:"gateways,omitempty"`
}

// processFootprint is what one gateway process cost.
type processFootprint struct {
	URL           string  `json:"url"`
	Conns         int     `json:"conns"`
	RSSBaseMB     float64 `json:"rss_base_mb"`
	RSSMB         float64 `json:"rss_mb"`
	RSSPerConnKiB float64 `json:"rss_per_conn_kib"`
	CPUPercent    float64 `json:"cpu_percent"`
}

func footprintOf(url string, base, ramped, end sample, conns int) processFootprint {
	f := processFootprint{URL: url, Conns: conns, RSSBaseMB: float64(base.rss) / 1e6, RSSMB: float64(end.rss) / 1e6}
	if conns > 0 {
		f.RSSPerConnKiB = float64(ramped.rss-base.rss) / 1024 / float64(conns)
	}
	if d := end.at.Sub(ramped.at).Seconds(); d > 0 {
		f.CPUPercent = 100 * (end.cpuSec - ramped.cpuSec) / d
	}
	return f
}

// countBatches checks every reading tasks-dialect client against the set of
// batches any client saw in the window.
func (r *result) countBatches(clients []*client, st *stats) {
	r.Batches = st.batchCount()
	for _, c := range clients {
		if c.role.events || c.role.stall || len(c.role.subscribe) > 0 || !c.live.Load() {
			continue
		}
		c.mu.Lock()
		r.Readers++
		r.Missed += max(r.Batches-c.batches, 0)
		r.Duplicated += c.dups
		r.OutOfOrder += c.ooo
		c.mu.Unlock()
	}
}

func (r *result) table(w io.Writer) {
	o := r.Options
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k string, v any) { fmt.Fprintf(tw, "%s\t%v\n", k, v) }
	row("target", r.Target)
	row("clients", fmt.Sprintf("%d connected, %d failed (events %.0f%%, subscribed %.0f%%, stalled %.0f%%)", r.Connected, r.DialFailed, 100*o.eventsFrac, 100*o.subFrac, 100*o.stallFrac))
	row("downloads", fmt.Sprintf("%d at %d B/s each", o.downloads, o.rate))
	row("connect p50 / p99", fmt.Sprintf("%d ms / %d ms", r.ConnectP50, r.ConnectP99))
	row("messages / s", fmt.Sprintf("%.0f", r.MessagesPerSec))
	row("MB / s", fmt.Sprintf("%.1f", r.MBPerSec))
	row("lag p50 / p99 / max", fmt.Sprintf("%d ms / %d ms / %d ms", r.LagP50, r.LagP99, r.LagMax))
	row("batch updates", fmt.Sprintf("%d in the window; %d readers missed %d, %d duplicated, %d out of order", r.Batches, r.Readers, r.Missed, r.Duplicated, r.OutOfOrder))
	verified := fmt.Sprintf("%d, %d differ from GET /api/downloads %d ms after pause-all", r.Verified, r.VerifyMismatches, r.ConvergedMs)
	if r.VerifyMismatches > 0 {
		verified += fmt.Sprintf(" (%d of them still behind: a task message reached them in the last 2 s; the rest broke the convergence rule)", r.VerifyBehind)
	}
	row("verified clients", verified)
	if o.compress {
		row("compression", fmt.Sprintf("%.0f%% of the bytes on the wire saved (verifying clients: %.2f wire bytes per message byte)", 100*(1-r.WireToPlain), r.WireToPlain))
	}
	if o.blinkFrac > 0 {
		row("resumes", fmt.Sprintf("%d (%.0f%% of tasks-dialect clients blink every 5 s): %d replayed what they missed, %d got a SYNC_ALL", r.Resumes, 100*o.blinkFrac, r.Replayed, r.Resynced))
	}
	row("closes seen by clients", formatCloses(r.Closes))
	if len(r.Lost) > 0 {
		row("lost during the run", formatCloses(r.Lost))
	}
	row("4008 closes (daemon)", r.ServerSlowCloses)
	if r.DaemonRSSMB > 0 {
		perConn := fmt.Sprintf("%.1f KiB per connection", r.RSSPerConnKiB)
		if len(r.Gateways) > 0 {
			perConn = "it holds no socket: the gateways do"
		}
		row("daemon RSS", fmt.Sprintf("%.1f MB (%.1f MB before the clients; %s)", r.DaemonRSSMB, r.DaemonRSSBaseMB, perConn))
		row("daemon CPU", fmt.Sprintf("%.0f%% of one core", r.DaemonCPUPercent))
	}
	for _, g := range r.Gateways {
		row("gateway "+g.URL, fmt.Sprintf("%d clients; RSS %.1f MB (%.1f MB before them; %.1f KiB per connection); CPU %.0f%% of one core", g.Conns, g.RSSMB, g.RSSBaseMB, g.RSSPerConnKiB, g.CPUPercent))
	}
	tw.Flush()
}

func formatCloses(m map[string]int) string {
	var parts []string
	for k, v := range m {
		parts = append(parts, fmt.Sprintf("%s: %d", k, v))
	}
	sort.Strings(parts)
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// writeJSON writes v indented to path, or to stdout when path is "-".
func writeJSON(v any, path string, stdout io.Writer) error {
	raw, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	raw = append(raw, '\n')
	if path == "-" {
		_, err = stdout.Write(raw)
		return err
	}
	return os.WriteFile(path, raw, 0o644)
}

func canonical(t task.Task) string {
	raw, _ := json.Marshal(t)
	return string(raw)
}

// progressLine prints a live status line on stderr every second.
type progressLine struct{ done chan struct{} }

func startProgress(w io.Writer, st *stats, d *daemon, total int) *progressLine {
	p := &progressLine{done: make(chan struct{})}
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		var lastMsgs, lastBytes int64
		var lastCPU sample
		for {
			select {
			case <-p.done:
				fmt.Fprintln(w)
				return
			case <-t.C:
			}
			msgs, bytes := st.messages.Load(), st.bytes.Load()
			line := fmt.Sprintf("\rclients %d/%d  msgs/s %d  MB/s %.1f  lag p99 %d ms", st.connected.Load(), total, msgs-lastMsgs, float64(bytes-lastBytes)/1e6, st.lag.quantile(0.99))
			lastMsgs, lastBytes = msgs, bytes
			if s, ok := d.sample(); ok {
				cpu := 0.0
				if !lastCPU.at.IsZero() {
					cpu = 100 * (s.cpuSec - lastCPU.cpuSec) / s.at.Sub(lastCPU.at).Seconds()
				}
				lastCPU = s
				line += fmt.Sprintf("  daemon %.0f MB %.0f%% cpu", float64(s.rss)/1e6, cpu)
			}
			fmt.Fprintf(w, "%-100s", line)
		}
	}()
	return p
}

func (p *progressLine) stop() { close(p.done) }
