package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"strings"

	"github.com/fetchd/fetchd/engine/task"
)

func setupStats(fs *flag.FlagSet) func(c *invocation, args []string) int {
	asJSON := fs.Bool("json", false, "print the figures as the daemon sends them")
	return func(c *invocation, args []string) int {
		if len(args) > 0 {
			return c.usage(fmt.Sprintf("unexpected argument %q", args[0]))
		}
		var raw json.RawMessage
		if err := c.api.Do(c.ctx, "GET", "/api/downloads/stats", nil, &raw); err != nil {
			return c.fail(err)
		}
		if *asJSON {
			return c.printJSON(raw)
		}
		var s task.Stats
		if err := json.Unmarshal(raw, &s); err != nil {
			return c.fail(fmt.Errorf("the daemon sent figures this client cannot read: %v", err))
		}
		speed := humanSpeed(s.TotalSpeed)
		if speed == "" {
			speed = "0 B/s"
		}
		fmt.Fprintf(c.stdout, "active     %d (downloading at %s)\nqueued     %d (waiting to start or to retry)\n"+
			"paused     %d\ncompleted  %d\nfailed     %d\ncancelled  %d\n",
			s.ActiveDownloads, speed, s.Queued, s.Paused, s.Completed, s.Failed, s.Cancelled)
		fmt.Fprintf(c.stdout, "stored     %d tasks", s.DBCounts["all"])
		sep := ": "
		for _, st := range task.States {
			k := strings.ToLower(string(st))
			if n := s.DBCounts[k]; n > 0 {
				fmt.Fprintf(c.stdout, "%s%d %s", sep, n, k)
				sep = ", "
			}
		}
		fmt.Fprintln(c.stdout)
		return 0
	}
}
