package transfer

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter is a limit in bytes/s whose changes take effect at once: a wait
// in progress is cut short and asked again under the new limit, so a limit
// of 1 B/s set and lifted again leaves no transfer asleep for an hour.
// A nil Limiter lets everything through.
type Limiter struct {
	mu      sync.Mutex
	lim     *rate.Limiter
	changed chan struct{} // closed and replaced at every Set
}

// NewLimiter returns a limiter that lets everything through until Set.
func NewLimiter() *Limiter {
	return &Limiter{lim: rate.NewLimiter(rate.Inf, 0), changed: make(chan struct{})}
}

// Set changes the limit: bytesPerSec 0 or less is none; burst is the most
// bytes that may pass at once.
func (l *Limiter) Set(bytesPerSec int64, burst int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if bytesPerSec <= 0 {
		l.lim.SetLimit(rate.Inf)
	} else {
		l.lim.SetBurst(max(burst, 1))
		l.lim.SetLimit(rate.Limit(bytesPerSec))
	}
	close(l.changed)
	l.changed = make(chan struct{})
}

// Chunk is the most bytes one read should take under the limit; 0 for no limit.
func (l *Limiter) Chunk() int {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lim.Limit() == rate.Inf {
		return 0
	}
	return max(l.lim.Burst(), 1)
}

// Wait blocks until the limit lets n bytes pass, the limit changes (then it
// asks again) or ctx ends.
func (l *Limiter) Wait(ctx context.Context, n int) error {
	for l != nil && n > 0 {
		l.mu.Lock()
		if l.lim.Limit() == rate.Inf {
			l.mu.Unlock()
			return nil
		}
		changed := l.changed
		k := min(n, max(l.lim.Burst(), 1))
		r := l.lim.ReserveN(time.Now(), k)
		l.mu.Unlock()
		if d := r.Delay(); d > 0 {
			timer := time.NewTimer(d)
			select {
			case <-timer.C:
			case <-changed:
				timer.Stop()
				r.Cancel()
				continue
			case <-ctx.Done():
				timer.Stop()
				r.Cancel()
				return ctx.Err()
			}
		}
		n -= k
	}
	return nil
}
