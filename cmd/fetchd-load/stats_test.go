package main

import (
	"testing"
	"time"
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
