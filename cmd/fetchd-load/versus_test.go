package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestVersusTableComparesBothSidesWithTheGoals(t *testing.T) {
	v := &versusResult{Conns: 10000, Downloads: 200, FrameBytes: 21000, FrameTasks: 200, WindowSec: 15, Centrifugo: centrifugoVersion,
		Fetchd: side{Server: "fetchd", Connected: 10000, LagP99: 150, RSSPerConnKiB: 12, CPUPercent: 60, BaseCPUPercent: 20, FanoutCPU: 40},
		Other:  side{Server: "centrifugo", Connected: 9515, Dropped: 485, LagP99: 900, RSSPerConnKiB: 46, CPUPercent: 62, FanoutCPU: 62},
	}
	v.LagRatio = ratio(150, 900)
	v.MemoryRatio = ratio(12, 46)
	v.CPURatio = ratio(40, 0)
	var out bytes.Buffer
	v.table(&out)
	s := out.String()
	for _, want := range []string{"fetchd", "centrifugo", "10000 / 0 / 0", "9515 / 0 / 485", "0.17×", "0.26×"} {
		if !strings.Contains(s, want) {
			t.Errorf("table lacks %q:\n%s", want, s)
		}
	}
	row := func(prefix string) string {
		for l := range strings.SplitSeq(s, "\n") {
			if strings.HasPrefix(l, prefix) {
				return l
			}
		}
		return ""
	}
	if got := row("lag p99"); !strings.HasSuffix(got, "meets") {
		t.Errorf("lag 0.17× against ≤ 0.2×: %q", got)
	}
	if got := row("memory per connection"); !strings.HasSuffix(got, "meets") {
		t.Errorf("memory 0.26× against ≤ 0.3×: %q", got)
	}
	if got := row("fan-out CPU"); !strings.Contains(got, "n/a") {
		t.Errorf("fan-out CPU against a zero: %q, want n/a", got)
	}
	v.LagRatio = ratio(300, 900)
	out.Reset()
	v.table(&out)
	if !strings.Contains(out.String(), "0.33×") || !strings.Contains(out.String(), "misses") {
		t.Errorf("lag 0.33× must miss ≤ 0.2×:\n%s", out.String())
	}
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	json.Unmarshal(raw, &back)
	if back["fanout_cpu_ratio"] != nil || back["memory_per_conn_ratio"] == nil {
		t.Errorf("JSON ratios: %s", raw)
	}
}

// Both servers send the batch; only fetchd sends the rest, so a comparison
// times the batch alone, and counts each batch once per client.
func TestAComparisonTimesBatchesOnly(t *testing.T) {
	st := newStats()
	st.batchLagOnly = true
	now := time.Now()
	st.from.Store(now.Add(-time.Minute).UnixMilli())
	st.to.Store(now.Add(time.Minute).UnixMilli())
	c := &client{st: st, role: role{channel: centrifugoChannel}}
	first := true
	stale := now.Add(-3 * time.Second).UnixMilli()
	c.take(nil, []byte(fmt.Sprintf(`{"type":"ENGINE_STATS","ts":%d}`, stale)), now, &first)
	if n := st.lag.n.Load(); n != 0 {
		t.Fatalf("ENGINE_STATS timed: %d samples", n)
	}
	batch := now.Add(-40 * time.Millisecond).UnixMilli()
	push := fmt.Sprintf(`{"push":{"channel":"tasks","pub":{"data":{"type":"TASK_BATCH_UPDATE","ts":%d,"tasks":[]}}}}`, batch)
	c.take(nil, []byte(push), now, &first)
	c.take(nil, []byte(push), now, &first)
	if n, p99 := st.lag.n.Load(), st.lag.quantile(0.99); n != 2 || p99 != 40 {
		t.Fatalf("batch lag: %d samples, p99 %d ms; want 2, 40", n, p99)
	}
	if c.batches != 2 || c.dups != 1 || st.batchCount() != 1 {
		t.Fatalf("counted %d batches, %d duplicated, %d distinct; want 2, 1, 1", c.batches, c.dups, st.batchCount())
	}
}

// A batch that never came is later than any that did: a side that misses
// over 1 % of what it owed has no p99, and fewer misses move its p99 up.
func TestMissedDeliveriesCountAsLateForTheP99(t *testing.T) {
	var h histogram
	for i := range 1000 {
		h.observe(time.Duration(i%100+1) * time.Millisecond) // 10 each of 1..100 ms
	}
	if ms, unbounded := lagP99(&h, 0); unbounded || ms != 99 {
		t.Errorf("nothing missed: p99 %d ms (unbounded %v), want 99", ms, unbounded)
	}
	if ms, unbounded := lagP99(&h, 5); unbounded || ms != 100 {
		t.Errorf("5 of 1005 missed: p99 %d ms (unbounded %v), want 100, the slowest that came", ms, unbounded)
	}
	if _, unbounded := lagP99(&h, 11); !unbounded {
		t.Error("11 of 1011 missed: over 1 %, the p99 must be unbounded")
	}
	var none histogram
	if _, unbounded := lagP99(&none, 270000); !unbounded {
		t.Error("nothing delivered at all: unbounded")
	}

	f := side{Server: "fetchd", LagP99: 365}
	c := side{Server: "centrifugo", LagUnbounded: true, Missed: 270000}
	if r := lagRatio(f, c); r == nil || *r != 0 {
		t.Errorf("against an unbounded p99 the ratio is 0, got %v", r)
	}
	if r := lagRatio(side{LagUnbounded: true}, side{LagP99: 10}); r != nil {
		t.Errorf("fetchd unbounded: no ratio, got %v", *r)
	}
	v := &versusResult{Conns: 10000, Fetchd: f, Other: c, LagRatio: lagRatio(f, c)}
	var out bytes.Buffer
	v.table(&out)
	if s := out.String(); !strings.Contains(s, "unbounded") || !strings.Contains(s, "meets: Centrifugo missed over 1 %") {
		t.Errorf("table:\n%s", s)
	}
}
