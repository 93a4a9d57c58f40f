package cli

import (
	"flag"
	"fmt"

	"github.com/fetchd/fetchd/engine/task"
)

func actionCmd(a task.Action, done, summary, help string, withAll bool) *clientCmd {
	cmd := &clientCmd{name: string(a), args: "ID...", summary: summary, help: help + "\nAn ID is a full id or a unique prefix of one."}
	if withAll {
		cmd.args = "ID... | --all"
		cmd.help += "\nWith --all it " + string(a) + "s every download it can."
	}
	cmd.setup = func(fs *flag.FlagSet) func(c *invocation, args []string) int {
		var all *bool
		if withAll {
			all = fs.Bool("all", false, string(a)+" every download that can be")
		}
		return func(c *invocation, args []string) int {
			if all != nil && *all {
				if len(args) > 0 {
					return c.usage("--all takes no IDs")
				}
				n, err := c.api.ActAll(c.ctx, a)
				if err != nil {
					return c.fail(err)
				}
				fmt.Fprintf(c.stdout, "%s %d downloads\n", done, n)
				return 0
			}
			if len(args) == 0 {
				return c.usage("no ID given")
			}
			return c.eachTarget(args, func(tg target) error {
				t, err := c.api.Act(c.ctx, tg.id, a)
				if err != nil {
					return err
				}
				fmt.Fprintf(c.stdout, "%s %s %s (%s)\n", done, shortID(t.ID), taskName(&t), t.State)
				return nil
			})
		}
	}
	return cmd
}
