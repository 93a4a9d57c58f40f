package cli

import (
	"flag"
	"fmt"
)

func setupRemove(fs *flag.FlagSet) func(c *invocation, args []string) int {
	deleteFiles := fs.Bool("delete-files", false, "also delete the downloaded (or partial) files")
	batches := batchFlag(fs, "remove")
	return func(c *invocation, args []string) int {
		onBatch := func(id, arg string) error {
			n, err := c.api.RemoveBatch(c.ctx, id, *deleteFiles)
			if err == nil {
				line := fmt.Sprintf("removed %d downloads of batch %s (%s)", n, arg, shortID(id))
				if *deleteFiles {
					line += " and their files"
				}
				fmt.Fprintln(c.stdout, line)
			}
			return err
		}
		return c.actOnIDsAndBatches(args, *batches, onBatch, func(tg target) error {
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
