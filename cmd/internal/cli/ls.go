package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"strings"

	"github.com/fetchd/fetchd/engine/task"
)

func setupList(fs *flag.FlagSet) func(c *invocation, args []string) int {
	state := fs.String("state", "", "only downloads in state `S` (or a comma-separated list)")
	batch := fs.String("batch", "", "only downloads of batch `ID` (or a unique prefix of it, or its name)")
	asJSON := fs.Bool("json", false, "print the downloads as a JSON array, as the daemon sends them")
	return func(c *invocation, args []string) int {
		if len(args) > 0 {
			return c.usage(fmt.Sprintf("unexpected argument %q", args[0]))
		}
		q := url.Values{}
		if *state != "" {
			var states []string
			for _, s := range strings.Split(*state, ",") {
				st, err := task.ParseState(strings.ToUpper(strings.TrimSpace(s)))
				if err != nil {
					return c.usage(fmt.Sprintf("--state: %v; states are %s", err, stateNames()))
				}
				states = append(states, string(st))
			}
			q.Set("state", strings.Join(states, ","))
		}
		if *batch != "" {
			id, err := c.resolveBatch(*batch)
			if err != nil {
				return c.fail(err)
			}
			q.Set("batch_id", id)
		}
		if *asJSON {
			raw, err := c.api.ListRaw(c.ctx, q)
			if err != nil {
				return c.fail(err)
			}
			if raw == nil {
				raw = []json.RawMessage{}
			}
			return c.printJSON(raw)
		}
		tasks, err := c.api.List(c.ctx, q)
		if err != nil {
			return c.fail(err)
		}
		writeTable(c.stdout, tasks)
		return 0
	}
}

func stateNames() string {
	names := make([]string, len(task.States))
	for i, s := range task.States {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}
