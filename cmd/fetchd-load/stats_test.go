package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/fetchd/fetchd/engine/task"
	wsclient "github.com/fetchd/fetchd/wsconn/client"
)

func TestPeekReadsTypeAndTimestampWithoutDecoding(t *testing.T) {
	for _, c := range []struct {
		raw    string
		events bool
		typ    string
		ts     int64
	}{
		{`{"type":"TASK_BATCH_UPDATE","ts":1795396457767,"tasks":[{"id":"x","ts":1}]}`, false, "TASK_BATCH_UPDATE", 1795396457767},
		{`{"type":"ENGINE_STATS","ts":42}`, false, "ENGINE_STATS", 42},
		{`{"event":"download:progress","data":{"timestamp":7},"timestamp":9}`, true, "download:progress", 9},
		{`not json`, false, "", 0},
	} {
		h := peek([]byte(c.raw), c.events)
		if h.typ != c.typ || h.ts != c.ts {
			t.Errorf("peek(%s) = %q, %d; want %q, %d", c.raw, h.typ, h.ts, c.typ, c.ts)
		}
	}
}

func TestHistogramQuantiles(t *testing.T) {
	var h histogram
	for i := 1; i <= 100; i++ {
		h.observe(time.Duration(i) * time.Millisecond)
	}
	if p50, p99, max := h.quantile(0.5), h.quantile(0.99), h.max.Load(); p50 != 50 || p99 != 99 || max != 100 {
		t.Fatalf("p50 %d p99 %d max %d", p50, p99, max)
	}
	h.reset()
	if h.quantile(0.5) != 0 {
		t.Fatal("reset left samples")
	}
}

// A verifying client that differs from GET is told apart: still behind
// (a task message reached it within 2 s), or wrong.
func TestAMismatchSaysWhetherTheClientIsBehind(t *testing.T) {
	now := time.Now()
	want := []task.Task{{ID: "a", State: task.Paused, Downloaded: 10}}
	verifier := func(changed time.Time, downloaded int64) *client {
		c := &client{role: role{verify: true}, mirror: wsclient.NewMirror(), changed: changed}
		c.live.Store(true)
		c.mirror.Tasks["a"] = task.Task{ID: "a", State: task.Paused, Downloaded: downloaded}
		return c
	}
	clients := []*client{
		verifier(now, 10),                    // equal
		verifier(now.Add(-time.Second), 7),   // differs, still reading its backlog
		verifier(now.Add(-3*time.Second), 7), // differs after 3 quiet seconds: wrong
		{role: role{verify: false}},
	}
	verified, bad, behind := mismatches(clients, want, now)
	if verified != 3 || bad != 2 || behind != 1 {
		t.Fatalf("verified %d, differ %d, behind %d; want 3, 2, 1", verified, bad, behind)
	}
	r := &result{Verified: verified, VerifyMismatches: bad, VerifyBehind: behind}
	var out bytes.Buffer
	r.table(&out)
	if !strings.Contains(out.String(), "1 of them still behind") {
		t.Errorf("table:\n%s", out.String())
	}
}
