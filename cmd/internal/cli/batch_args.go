package cli

import (
	"flag"
	"fmt"
)

// batchFlag declares --batch on a command that acts on downloads: each one
// names a whole batch, by name, id or a unique prefix of its id.
func batchFlag(fs *flag.FlagSet, verb string) *[]string {
	var names []string
	fs.Func("batch", verb+" every download of batch `NAME` (or its id, or a unique prefix of it); repeatable", func(s string) error {
		if s == "" {
			return fmt.Errorf("a batch name cannot be empty")
		}
		names = append(names, s)
		return nil
	})
	return &names
}

// eachBatch resolves each --batch and applies fn to it, reporting failures
// and going on with the rest unless the daemon is out of reach.
func (c *invocation) eachBatch(names []string, fn func(id, arg string) error) int {
	code := 0
	for _, arg := range names {
		id, err := c.resolveBatch(arg)
		if err == nil {
			err = fn(id, arg)
		}
		if err != nil {
			c.failFor(arg, len(names) > 1, err)
			if fatal(err) {
				return 1
			}
			code = 1
		}
	}
	return code
}

// actOnIDsAndBatches runs the batches' part, then the ids' part: a command
// may name both.
func (c *invocation) actOnIDsAndBatches(ids, batches []string, onBatch func(id, arg string) error, onTask func(target) error) int {
	if len(ids) == 0 && len(batches) == 0 {
		return c.usage("no ID or --batch given")
	}
	code := c.eachBatch(batches, onBatch)
	if len(ids) > 0 {
		code = max(code, c.eachTarget(ids, onTask))
	}
	return code
}
