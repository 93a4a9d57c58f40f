package cli

import (
	"flag"
	"fmt"
)

func setupRemove(fs *flag.FlagSet) func(c *invocation, args []string) int {
	deleteFiles := fs.Bool("delete-files", false, "also delete the downloaded (or partial) files")
	return func(c *invocation, args []string) int {
		if len(args) == 0 {
			return c.usage("no ID given")
		}
		return c.eachTarget(args, func(tg target) error {
			if err := c.api.Remove(c.ctx, tg.id, *deleteFiles); err != nil {
				return err
			}
			line := "removed " + shortID(tg.id)
			if tg.name != "" {
				line += " " + tg.name
			}
			if *deleteFiles {
				line += " and its file"
			}
			fmt.Fprintln(c.stdout, line)
			return nil
		})
	}
}
