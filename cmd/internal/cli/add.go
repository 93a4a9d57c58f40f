package cli

import (
	"flag"
	"fmt"
	"strings"

	"github.com/fetchd/fetchd/engine/task"
)

func setupAdd(fs *flag.FlagSet) func(c *invocation, args []string) int {
	inputFile := fs.String("input-file", "", "also add the URLs in `FILE`, one a line (# comments; - reads the standard input)")
	batch := fs.String("batch", "", "put the URLs in a new batch called `NAME`")
	filename := fs.String("filename", "", "save the file as `NAME` (one URL only)")
	dest := fs.String("destination", "", "save under the sub-folder `DIR` of the daemon's download directory")
	var priority task.Priority
	fs.Func("priority", "priority `P`: a whole number (higher starts first) or LOW, NORMAL, HIGH", func(s string) (err error) {
		priority, err = task.ParsePriority(s)
		return err
	})
	force := fs.Bool("force", false, "add even if the URL is already queued, downloading or downloaded")
	category := fs.String("category", "", "label the downloads with `CATEGORY`")
	checksum := fs.String("checksum", "", "fail the download unless the file's checksum is `sha256:HEX` (one URL only)")
	headers := map[string]string{}
	fs.Func("header", "send the header `'Name: value'` with every request (repeatable)", func(s string) error {
		name, value, err := task.ParseHeaderLine(s)
		headers[name] = value
		return err
	})
	connections := fs.Int("connections", 0, "download each file over up to `N` connections (1-16; default: the daemon's connections setting)")
	var limit int64
	fs.Func("limit", "limit each download to `RATE` bytes/s, like 500K or 2M", func(s string) (err error) {
		limit, err = task.ParseRate(s)
		return err
	})
	var user, pass string
	fs.Func("user", "log in to the origin as `USER[:PASS]` (basic auth)", func(s string) error {
		user, pass, _ = strings.Cut(s, ":")
		return nil
	})
	return func(c *invocation, urls []string) int {
		urls, err := withInputFile(urls, *inputFile)
		if err != nil {
			return c.fail(err)
		}
		if err := checkSchemes(urls); err != nil {
			return c.usage(err.Error())
		}
		switch {
		case len(urls) == 0:
			return c.usage("no URL given")
		case *filename != "" && len(urls) > 1:
			return c.usage("--filename names one file: give exactly one URL")
		case *checksum != "" && len(urls) > 1:
			return c.usage("--checksum is one file's: give exactly one URL")
		}
		if len(urls) > 1 && *batch != "" {
			req := task.BatchRequest{BatchName: *batch, Destination: *dest, Category: *category, Priority: priority, Force: *force,
				Headers: headers, Username: user, Password: pass, Connections: *connections, SpeedLimit: limit}
			for _, u := range urls {
				req.Items = append(req.Items, task.BatchItem{URL: u})
			}
			ans, err := c.api.AddBatch(c.ctx, req)
			if err != nil {
				return c.fail(err)
			}
			fmt.Fprintf(c.stdout, "added batch %s %q with %d downloads\n", ans.BatchID, ans.BatchName, len(ans.Tasks))
			for _, t := range ans.Tasks {
				fmt.Fprintln(c.stdout, addedLine(&t))
			}
			return 0
		}
		code := 0
		for _, u := range urls {
			req := task.AddRequest{URL: u, Filename: *filename, Destination: *dest, Category: *category, Priority: priority,
				Checksum: *checksum, BatchName: *batch, Force: *force, Headers: headers, Username: user, Password: pass,
				Connections: *connections, SpeedLimit: limit}
			t, err := c.api.Add(c.ctx, req)
			if err != nil {
				c.failFor(u, len(urls) > 1, err)
				if fatal(err) {
					return 1
				}
				code = 1
				continue
			}
			fmt.Fprintln(c.stdout, addedLine(&t))
		}
		return code
	}
}
