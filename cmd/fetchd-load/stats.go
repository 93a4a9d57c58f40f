package main

import (
	"errors"
	"io"
	"maps"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/fetchd/fetchd/wsconn"
)

// stats are shared by every client; all of it is cheap to update.
type stats struct {
	connected  atomic.Int64
	deflated   atomic.Int64 // connections that negotiated permessage-deflate
	dialFailed atomic.Int64
	messages   atomic.Int64
	bytes      atomic.Int64
	connect    histogram
	lag        histogram
	closes     codes
	from, to   atomic.Int64 // the measuring window, as server ts (Unix ms)
	// Compression, as seen by the clients that inflate whole messages.
	wholeWire, wholeInflated atomic.Int64
	// Resumed connections, by their first message: what was missed, or a
	// SYNC_ALL.
	replayed, resynced atomic.Int64
	readErrors         reasons // connections lost without a close frame, during the run
	unstall            chan struct{}
	batchLagOnly       bool // time TASK_BATCH_UPDATE only; set before any client starts

	mu      sync.Mutex
	batches map[int64]bool // ts of every batch seen inside the window
}

func newStats() *stats {
	return &stats{unstall: make(chan struct{}), batches: map[int64]bool{}}
}

// inWindow reports whether a message stamped ts counts: the edges of the
// window are left out so that no client is caught half-way.
func (s *stats) inWindow(ts int64) bool {
	from := s.from.Load()
	return from > 0 && ts >= from && ts <= s.to.Load()
}

func (s *stats) noteBatch(ts int64) {
	if !s.inWindow(ts) {
		return
	}
	s.mu.Lock()
	s.batches[ts] = true
	s.mu.Unlock()
}

func (s *stats) batchCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.batches)
}

// live is how many clients are connected now: dialled and not yet closed.
func (s *stats) live() int64 { return s.connected.Load() - s.closes.total() }

// histogram counts durations in 1 ms buckets up to a minute.
type histogram struct {
	buckets [60001]atomic.Int64
	n       atomic.Int64
	max     atomic.Int64
}

func (h *histogram) observe(d time.Duration) {
	ms := max(d.Milliseconds(), 0)
	h.buckets[min(ms, int64(len(h.buckets)-1))].Add(1)
	h.n.Add(1)
	for {
		m := h.max.Load()
		if ms <= m || h.max.CompareAndSwap(m, ms) {
			return
		}
	}
}

// quantile is the smallest bucket (ms) at or below which q of the samples lie.
func (h *histogram) quantile(q float64) int64 {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	want, seen := int64(q*float64(n)+0.5), int64(0)
	for i := range h.buckets {
		if seen += h.buckets[i].Load(); seen >= max(want, 1) {
			return int64(i)
		}
	}
	return int64(len(h.buckets) - 1)
}

func (h *histogram) reset() {
	for i := range h.buckets {
		h.buckets[i].Store(0)
	}
	h.n.Store(0)
	h.max.Store(0)
}

// codes counts connections closed, by close code (0: no close frame).
// reasons counts connections that ended without a close frame, by error.
type reasons struct {
	mu sync.Mutex
	m  map[string]int
}

func (r *reasons) add(err error) {
	var msg string
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		msg = "unexpected EOF"
	case errors.Is(err, io.EOF):
		msg = "EOF"
	case errors.Is(err, syscall.ECONNRESET):
		msg = "connection reset"
	default:
		msg = err.Error()
		if len(msg) > 80 {
			msg = msg[:80]
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[string]int{}
	}
	r.m[msg]++
}

func (r *reasons) snapshot() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.m)
}

type codes struct {
	mu sync.Mutex
	m  map[int]int
}

func (c *codes) add(code int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[int]int{}
	}
	c.m[code]++
}

func (c *codes) total() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.m {
		n += v
	}
	return int64(n)
}

func (c *codes) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	keys := make([]int, 0, len(c.m))
	for k := range c.m {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	for _, k := range keys {
		name := "no close frame"
		switch k {
		case wsconn.CloseSlowConsumer:
			name = "4008 slow consumer"
		case wsconn.CloseGoingAway:
			name = "1001 going away"
		case 1000:
			name = "1000 normal"
		default:
			if k != 0 {
				name = strconv.Itoa(k)
			}
		}
		out[name] += c.m[k]
	}
	return out
}
