// Package backoff is the one exponential back-off fetchd uses: the manager's
// retries of a failed transfer and a client's reconnects.
package backoff

import (
	"math/rand/v2"
	"time"
)

// Policy is Base·2^n capped at Max, with ±20 % jitter so that a fleet of
// failures does not come back in step.
type Policy struct{ Base, Max time.Duration }

// Delay is the wait before attempt n (from 0).
func (p Policy) Delay(n int) time.Duration {
	d := p.Base
	for i := 0; i < n && d < p.Max; i++ {
		d *= 2
	}
	d = min(d, p.Max)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}
