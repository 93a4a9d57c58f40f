package cli

import (
	"flag"
	"fmt"

	"github.com/fetchd/fetchd/engine/task"
)

func actionCmd(a task.Action, done, summary, help string, withAll bool) *clientCmd {
	cmd := &clientCmd{name: string(a), args: "ID... [--batch NAME]...", summary: summary,
		help: help + "\nAn ID is a full id or a unique prefix of one; --batch NAME acts on every download of that batch."}
	if withAll {
		cmd.args = "ID... [--batch NAME]... | --all"
		cmd.help += "\nWith --all it " + string(a) + "s every download it can."
	}
	cmd.setup = func(fs *flag.FlagSet) func(c *invocation, args []string) int {
		var all *bool
		if withAll {
			all = fs.Bool("all", false, string(a)+" every download that can be")
		}
		batches := batchFlag(fs, string(a))
		return func(c *invocation, args []string) int {
			if all != nil && *all {
				if len(args) > 0 || len(*batches) > 0 {
					return c.usage("--all takes no IDs or --batch")
				}
				n, err := c.api.ActAll(c.ctx, a)
				if err != nil {
					return c.fail(err)
				}
				fmt.Fprintf(c.stdout, "%s %d downloads\n", done, n)
				return 0
			}
			onBatch := func(id, arg string) error {
				n, err := c.api.ActBatch(c.ctx, id, a)
				if err == nil {
					fmt.Fprintf(c.stdout, "%s %d downloads of batch %s (%s)\n", done, n, arg, shortID(id))
				}
				return err
			}
			return c.actOnIDsAndBatches(args, *batches, onBatch, func(tg target) error {
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
