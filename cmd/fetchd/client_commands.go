package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"strings"

	"github.com/fetchd/fetchd/engine/task"
)

// The commands: add, ls, the actions and rm.

func setupAdd(fs *flag.FlagSet) func(c *cli, args []string) int {
	batch := fs.String("batch", "", "put the URLs in a new batch called `NAME`")
	filename := fs.String("filename", "", "save the file as `NAME` (one URL only)")
	dest := fs.String("destination", "", "save under the sub-folder `DIR` of the daemon's download directory")
	priority := fs.Int("priority", 0, "priority `N`: higher starts first")
	force := fs.Bool("force", false, "add even if the URL is already queued, downloading or downloaded")
	return func(c *cli, urls []string) int {
		switch {
		case len(urls) == 0:
			return c.usage("no URL given")
		case *filename != "" && len(urls) > 1:
			return c.usage("--filename names one file: give exactly one URL")
		}
		if len(urls) > 1 && *batch != "" {
			req := task.BatchRequest{BatchName: *batch, Destination: *dest, Priority: *priority, Force: *force}
			for _, u := range urls {
				req.Items = append(req.Items, task.BatchItem{URL: u})
			}
			ans, err := c.api.AddBatch(c.ctx, req)
			if err != nil {
				return c.fail(err)
			}
			fmt.Fprintf(c.stdout, "added batch %s %q with %d downloads\n", ans.BatchID, ans.BatchName, len(ans.Tasks))
			for _, t := range ans.Tasks {
				fmt.Fprintf(c.stdout, "added %s %s\n", t.ID, taskName(&t))
			}
			return 0
		}
		code := 0
		for _, u := range urls {
			req := task.AddRequest{URL: u, Filename: *filename, Destination: *dest, Priority: *priority, BatchName: *batch, Force: *force}
			t, err := c.api.Add(c.ctx, req)
			if err != nil {
				c.failFor(u, len(urls) > 1, err)
				if fatal(err) {
					return 1
				}
				code = 1
				continue
			}
			fmt.Fprintf(c.stdout, "added %s %s\n", t.ID, taskName(&t))
		}
		return code
	}
}

func setupList(fs *flag.FlagSet) func(c *cli, args []string) int {
	state := fs.String("state", "", "only downloads in state `S` (or a comma-separated list)")
	batch := fs.String("batch", "", "only downloads of batch `ID` (or a unique prefix of it, or its name)")
	asJSON := fs.Bool("json", false, "print the downloads as a JSON array, as the daemon sends them")
	return func(c *cli, args []string) int {
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
			out, err := json.MarshalIndent(raw, "", "  ")
			if err != nil {
				return c.fail(err)
			}
			fmt.Fprintf(c.stdout, "%s\n", out)
			return 0
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

func actionCmd(a task.Action, done, summary, help string, withAll bool) *clientCmd {
	cmd := &clientCmd{name: string(a), args: "ID...", summary: summary, help: help + "\nAn ID is a full id or a unique prefix of one."}
	if withAll {
		cmd.args = "ID... | --all"
		cmd.help += "\nWith --all it " + string(a) + "s every download it can."
	}
	cmd.setup = func(fs *flag.FlagSet) func(c *cli, args []string) int {
		var all *bool
		if withAll {
			all = fs.Bool("all", false, string(a)+" every download that can be")
		}
		return func(c *cli, args []string) int {
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

// eachTarget resolves args and applies fn to each, reporting failures and
// going on with the rest unless the daemon is out of reach.
func (c *cli) eachTarget(args []string, fn func(target) error) int {
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

func setupRemove(fs *flag.FlagSet) func(c *cli, args []string) int {
	deleteFiles := fs.Bool("delete-files", false, "also delete the downloaded (or partial) files")
	return func(c *cli, args []string) int {
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
