package client

import (
	"context"
	"time"

	"github.com/fetchd/fetchd/engine/backoff"
)

// Follow keeps a connection open, reconnecting with exponential back-off and
// jitter, and hands every message to fn. A new connection resumes the stream
// where the last one left it (the server sends what was missed), or starts
// with a SYNC_ALL when the server can no longer resume it; either way a
// Mirror fed by fn converges by itself. Each connection renews
// opts.Subscriptions. A connection on which the server's pings stop is
// dropped and redialled. It returns when ctx is done.
func Follow(ctx context.Context, opts Options, fn func(Message)) error {
	redial := backoff.Policy{Base: 250 * time.Millisecond, Max: 30 * time.Second}
	var at Position
	for attempt := 0; ; attempt++ {
		opts.Since = at.Since()
		c, err := Dial(ctx, opts)
		if err == nil {
			stop := context.AfterFunc(ctx, func() { c.Close() })
			for {
				m, rerr := c.Read()
				if rerr != nil {
					break
				}
				attempt = 0
				fn(m)
				at.Advance(m)
			}
			stop()
			c.Close()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(redial.Delay(attempt)):
		}
	}
}
