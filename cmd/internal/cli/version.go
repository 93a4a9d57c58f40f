package cli

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/fetchd/fetchd/engine"
)

// versionWait bounds the question to the daemon: the client's own version
// must not wait on a daemon that is not there.
const versionWait = 3 * time.Second

func setupVersion(*flag.FlagSet) func(c *invocation, args []string) int {
	return func(c *invocation, args []string) int {
		if len(args) > 0 {
			return c.usage(fmt.Sprintf("unexpected argument %q", args[0]))
		}
		fmt.Fprintln(c.stdout, "fetchd client", engine.Version)
		ctx, cancel := context.WithTimeout(c.ctx, versionWait)
		defer cancel()
		var h struct {
			Version string  `json:"version"`
			Uptime  float64 `json:"uptime_s"`
		}
		if err := c.api.Do(ctx, "GET", "/api/health", nil, &h); err != nil {
			fmt.Fprintf(c.stderr, "fetchd: no daemon version: %s\n", c.describe(err))
			return 0
		}
		up := time.Duration(h.Uptime) * time.Second
		fmt.Fprintf(c.stdout, "fetchd daemon %s at %s, up %s\n", h.Version, c.api.Server, up)
		return 0
	}
}
