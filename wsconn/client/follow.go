package client

import (
	"context"
	"time"

	"github.com/fetchd/fetchd/engine/backoff"
)

// Follow keeps a connection open, reconnecting with exponential back-off and
// jitter, and hands every message to fn. Each new connection starts with a
// SYNC_ALL, so a Mirror fed by fn resynchronises by itself, and renews
// opts.Subscriptions. A connection on
// which the server's pings stop is dropped and redialled. It returns when
// ctx is done.
func Follow(ctx context.Context, opts Options, fn func(Message)) error {
	redial := backoff.Policy{Base: 250 * time.Millisecond, Max: 30 * time.Second}
	for attempt := 0; ; attempt++ {
		c, err := Dial(ctx, opts)
		if err == nil {
			stop := context.AfterFunc(ctx, func() { c.Close() })
			for {
				m, rerr := c.Read()
				if rerr != nil {
					break
				}
				if m.Type == "SYNC_ALL" {
					attempt = 0
				}
				fn(m)
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
