package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/fetchd/fetchd/engine/task"
)

// Ids on the command line: full ids, unique prefixes, batch names.

// isFullID reports whether s has the shape of a task id (a UUID).
func isFullID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if r != '-' {
				return false
			}
		case !strings.ContainsRune("0123456789abcdefABCDEF", r):
			return false
		}
	}
	return true
}

func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// target is a task an argument named.
type target struct {
	arg  string
	id   string
	name string // "" when not looked up
}

// resolve turns arguments into task ids: a full id as it is, anything else as
// a prefix that must match exactly one task.
func (c *invocation) resolve(args []string) ([]target, error) {
	out := make([]target, len(args))
	var tasks []task.Task
	listed := false
	for i, arg := range args {
		out[i] = target{arg: arg, id: arg}
		if isFullID(arg) {
			out[i].id = strings.ToLower(arg)
			continue
		}
		if !listed {
			var err error
			if tasks, err = c.api.List(c.ctx, nil); err != nil {
				return nil, err
			}
			listed = true
		}
		var hits []task.Task
		for _, t := range tasks {
			if strings.HasPrefix(t.ID, strings.ToLower(arg)) {
				hits = append(hits, t)
			}
		}
		switch len(hits) {
		case 0:
			return nil, fmt.Errorf("no download has an id starting with %q", arg)
		case 1:
			out[i].id, out[i].name = hits[0].ID, taskName(&hits[0])
		default:
			return nil, fmt.Errorf("%q is the start of %d downloads' ids: give more of it", arg, len(hits))
		}
	}
	return out, nil
}

// resolveBatch turns --batch into a batch id: a full id, a unique prefix of
// one, or a batch name.
func (c *invocation) resolveBatch(arg string) (string, error) {
	if isFullID(arg) {
		return strings.ToLower(arg), nil
	}
	batches, err := c.api.Batches(c.ctx)
	if err != nil {
		return "", err
	}
	var byName, byPrefix []string
	var named []string // the matches by name, described
	for _, b := range batches {
		if b.BatchName == arg {
			byName = append(byName, b.BatchID)
			named = append(named, fmt.Sprintf("%s (%d downloads, %s, created %s)", b.BatchID, b.TotalItems, b.State, b.CreatedAt.Local().Format(time.DateTime)))
		}
		if strings.HasPrefix(b.BatchID, strings.ToLower(arg)) {
			byPrefix = append(byPrefix, b.BatchID)
		}
	}
	switch {
	case len(byName) == 1:
		return byName[0], nil
	case len(byName) > 1:
		return "", fmt.Errorf("%d batches are called %q: give the batch id instead:\n  %s", len(byName), arg, strings.Join(named, "\n  "))
	case len(byPrefix) == 1:
		return byPrefix[0], nil
	case len(byPrefix) > 1:
		return "", fmt.Errorf("%q is the start of %d batch ids: give more of it", arg, len(byPrefix))
	}
	return "", fmt.Errorf("no batch is called %q or has an id starting with it", arg)
}

// eachTarget resolves args and applies fn to each, reporting failures and
// going on with the rest unless the daemon is out of reach.
func (c *invocation) eachTarget(args []string, fn func(target) error) int {
	for _, a := range args {
		if a == "" {
			return c.usage("an ID cannot be empty")
		}
	}
	targets, err := c.resolve(args)
	if err != nil {
		return c.fail(err)
	}
	code := 0
	for _, tg := range targets {
		if err := fn(tg); err != nil {
			c.failFor(tg.arg, len(targets) > 1, err)
			if fatal(err) {
				return 1
			}
			code = 1
		}
	}
	return code
}
