package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/fetchd/fetchd/engine"
	"github.com/fetchd/fetchd/engine/task"
)

// defaultServer is where the client looks for the daemon unless told otherwise.
const defaultServer = "http://127.0.0.1:8484"

// clientCmd is one subcommand of the client. setup declares the command's
// own flags on fs and returns the function that runs it with the positional
// arguments once the flags are parsed.
type clientCmd struct {
	name    string
	args    string // what follows the name in the usage line
	summary string // one line for `fetchd help`
	help    string // the paragraph of `fetchd <name> --help`
	setup   func(fs *flag.FlagSet) func(c *cli, args []string) int
}

// clientCmds lists the commands in the order `fetchd help` shows them.
var clientCmds = []*clientCmd{
	{name: "add", args: "URL... [--batch NAME] [--filename NAME] [--destination DIR] [--priority N] [--force]",
		summary: "queue downloads",
		help: "Queues one download per URL. With several URLs and --batch they form one new batch;\n" +
			"without --batch each URL is a download of its own. --filename needs exactly one URL.",
		setup: setupAdd},
	{name: "ls", args: "[--state S] [--batch ID] [--json]",
		summary: "list downloads",
		help: "Lists downloads, oldest first: id, state, progress, size, speed and file name.\n" +
			"--state takes one state or a comma-separated list; --batch takes a batch id, a unique\n" +
			"prefix of one, or a batch name. --json prints the tasks as the daemon sends them.",
		setup: setupList},
	actionCmd(task.Pause, "paused", "pause downloads, keeping the bytes so far",
		"Pauses each download named that is QUEUED, STARTING, DOWNLOADING or WAITING;\nthe bytes so far stay and resume picks up from them.", true),
	actionCmd(task.Resume, "resumed", "queue paused downloads again",
		"Puts each PAUSED download named back in the queue.", true),
	actionCmd(task.Cancel, "cancelled", "stop downloads and remove their partial files",
		"Cancels each download named that has not finished, removing its partial file.", false),
	actionCmd(task.Retry, "retried", "download failed, cancelled or completed downloads again",
		"Queues each FAILED, CANCELLED or COMPLETED download named again;\na COMPLETED one is downloaded again over its file.", false),
	{name: "rm", args: "ID... [--delete-files]",
		summary: "remove downloads (cancelling them first)",
		help:    "Removes downloads from the daemon. The downloaded files stay unless --delete-files is given.",
		setup:   setupRemove},
	{name: "watch", args: "[--plain]",
		summary: "follow every download live until interrupted",
		help: "Shows live progress over the daemon's WebSocket until interrupted. On a terminal it\n" +
			"redraws one line per download in place; otherwise (or with --plain) it prints a line\n" +
			"for every state change and a progress line per running download every few seconds.",
		setup: setupWatch},
}

func findClientCmd(name string) *clientCmd {
	for _, c := range clientCmds {
		if c.name == name {
			return c
		}
	}
	return nil
}

// runClient handles `fetchd <command> ...`. handled is false when args[0]
// is not a client command, so the caller runs the daemon instead.
func runClient(ctx context.Context, args []string, stdout, stderr io.Writer) (handled bool, code int) {
	if len(args) == 0 {
		return false, 0
	}
	if args[0] == "help" {
		return true, runHelp(args[1:], stdout, stderr)
	}
	cmd := findClientCmd(args[0])
	if cmd == nil {
		return false, 0
	}
	return true, cmd.execute(ctx, args[1:], stdout, stderr)
}

func runHelp(args []string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 0:
		printClientHelp(stdout)
		return 0
	case len(args) == 1 && findClientCmd(args[0]) != nil:
		cmd := findClientCmd(args[0])
		fs := cmd.flagSet(new(string), new(string))
		cmd.setup(fs)
		cmd.printHelp(stdout, fs)
		return 0
	default:
		fmt.Fprintf(stderr, "fetchd help: no command %q\nusage: fetchd help [command]\n", strings.Join(args, " "))
		return 2
	}
}

func printClientHelp(w io.Writer) {
	fmt.Fprint(w, `fetchd downloads files over HTTP(S). The same binary is the daemon and its client.

Usage:
  fetchd [daemon flags]          run the daemon (fetchd --help lists its flags)
  fetchd <command> [arguments]   talk to a running daemon

Commands:
`)
	for _, c := range clientCmds {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "  %-8s %s\n", "help", "show this, or a command's flags: fetchd help <command>")
	fmt.Fprint(w, `
Every command takes --server URL (default `+defaultServer+`, or FETCHD_SERVER)
and --token T (or FETCHD_TOKEN). An ID is a download's full id or any unique prefix of it,
such as the 8 characters fetchd ls shows.
`)
}

// flagSet builds the command's flags: the common ones, then its own.
func (cmd *clientCmd) flagSet(server, token *string) *flag.FlagSet {
	fs := flag.NewFlagSet("fetchd "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(server, "server", "", "the daemon's `URL` (default "+defaultServer+", or FETCHD_SERVER)")
	fs.StringVar(token, "token", "", "send `T` as the API token (or set FETCHD_TOKEN)")
	return fs
}

func (cmd *clientCmd) usageLine() string { return "usage: fetchd " + cmd.name + " " + cmd.args }

func (cmd *clientCmd) printHelp(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "%s\n\n%s\n\nFlags:\n", cmd.usageLine(), cmd.help)
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		if _, isBool := f.Value.(interface{ IsBoolFlag() bool }); isBool {
			name = ""
		}
		fmt.Fprintf(w, "  %-26s %s\n", strings.TrimSpace("--"+f.Name+" "+name), usage)
	})
}

// usageError reports bad usage and returns exit code 2.
func (cmd *clientCmd) usageError(stderr io.Writer, msg string) int {
	fmt.Fprintf(stderr, "fetchd %s: %s\n%s\nrun 'fetchd %s --help' for details\n", cmd.name, msg, cmd.usageLine(), cmd.name)
	return 2
}

func (cmd *clientCmd) execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var server, token string
	fs := cmd.flagSet(&server, &token)
	run := cmd.setup(fs)
	pos, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		cmd.printHelp(stdout, fs)
		return 0
	}
	if err != nil {
		return cmd.usageError(stderr, err.Error())
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if !set["server"] {
		server = firstNonEmpty(getenv("FETCHD_SERVER"), defaultServer)
	}
	if !set["token"] {
		token = getenv("FETCHD_TOKEN")
	}
	base, err := normalizeServer(server)
	if err != nil {
		return cmd.usageError(stderr, err.Error())
	}
	c := &cli{
		ctx: ctx, stdout: stdout, stderr: stderr, cmd: cmd,
		api: &apiClient{base: base, token: token, hc: &http.Client{Timeout: 30 * time.Second}},
	}
	return run(c, pos)
}

// firstNonEmpty returns the first non-empty string.
func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// parseInterspersed parses flags that may come before, between or after the
// positional arguments, which it returns; everything after "--" is positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// normalizeServer checks --server and trims it to a base URL; a bare
// host:port means http.
func normalizeServer(s string) (string, error) {
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("--server must be an http:// or https:// URL such as %s, got %q", defaultServer, s)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// cli is one run of a command.
type cli struct {
	ctx            context.Context
	stdout, stderr io.Writer
	cmd            *clientCmd
	api            *apiClient
}

func (c *cli) usage(msg string) int { return c.cmd.usageError(c.stderr, msg) }

// fail reports err as `fetchd: <message>` and returns exit code 1.
func (c *cli) fail(err error) int {
	fmt.Fprintln(c.stderr, "fetchd:", describe(err))
	return 1
}

// failFor reports an error about one of several subjects (an id, a URL).
func (c *cli) failFor(subject string, several bool, err error) {
	if several {
		fmt.Fprintf(c.stderr, "fetchd: %s: %s\n", subject, describe(err))
		return
	}
	fmt.Fprintln(c.stderr, "fetchd:", describe(err))
}

func describe(err error) string {
	if errors.Is(err, context.Canceled) {
		return "interrupted"
	}
	return err.Error()
}

// fatal reports whether err makes further requests pointless.
func fatal(err error) bool {
	var unreachable *unreachableError
	var status *statusError
	return errors.As(err, &unreachable) || (errors.As(err, &status) && status.status == http.StatusUnauthorized) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// ---- REST ----

// apiClient makes the REST calls.
type apiClient struct {
	base  string // http(s)://host:port, no trailing slash
	token string
	hc    *http.Client
}

// unreachableError is a request that never got an HTTP answer.
type unreachableError struct {
	server string
	err    error
}

func (e *unreachableError) Unwrap() error { return e.err }

func (e *unreachableError) Error() string {
	var dns *net.DNSError
	var nerr net.Error
	var op *net.OpError
	reason := e.err.Error()
	hint := "check --server or FETCHD_SERVER"
	switch {
	case errors.Is(e.err, syscall.ECONNREFUSED):
		reason, hint = "connection refused", "is it running? start it with: fetchd"
	case errors.As(e.err, &dns):
		reason = "cannot resolve " + dns.Name
	case errors.As(e.err, &nerr) && nerr.Timeout():
		reason = "timed out"
	case errors.As(e.err, &op):
		reason = op.Err.Error()
	default:
		var ue *url.Error
		if errors.As(e.err, &ue) {
			reason = ue.Err.Error()
		}
	}
	return fmt.Sprintf("cannot reach the daemon at %s (%s): %s", e.server, reason, hint)
}

// statusError is an answer with an error status.
type statusError struct {
	status    int
	code      string // the daemon's error code, "" when the body was not the daemon's
	message   string
	withToken bool
	what      string // method and URL, for answers that are not the daemon's
}

func (e *statusError) Error() string {
	switch {
	case e.status == http.StatusUnauthorized && e.withToken:
		return "the daemon refused the token: check --token or FETCHD_TOKEN"
	case e.status == http.StatusUnauthorized:
		return "the daemon requires a token: pass --token or set FETCHD_TOKEN"
	case e.code != "" && e.message != "":
		return e.message
	}
	return fmt.Sprintf("%s answered %d %s: is --server pointing at fetchd?", e.what, e.status, http.StatusText(e.status))
}

// call makes one request; body (if not nil) is sent as JSON and a JSON answer
// is decoded into out (if not nil).
func (a *apiClient) call(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "fetchd-client/"+engine.Version)
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &unreachableError{server: a.base, err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return &unreachableError{server: a.base, err: err}
	}
	if resp.StatusCode >= 300 {
		se := &statusError{status: resp.StatusCode, withToken: a.token != "", what: method + " " + a.base + path}
		var body struct{ Error, Message string }
		if json.Unmarshal(raw, &body) == nil {
			se.code, se.message = body.Error, body.Message
		}
		return se
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("the answer to %s %s is not what fetchd sends: %v", method, path, err)
		}
	}
	return nil
}

// listPage is GET /api/downloads' answer, with the tasks kept as sent.
type listPage struct {
	Downloads  []json.RawMessage `json:"downloads"`
	Total      int               `json:"total"`
	TotalPages int               `json:"total_pages"`
}

// listRaw fetches every task matching q, page by page, as the daemon sent them.
func (a *apiClient) listRaw(ctx context.Context, q url.Values) ([]json.RawMessage, error) {
	q = cloneValues(q)
	q.Set("limit", "1000")
	var all []json.RawMessage
	for page := 1; ; page++ {
		q.Set("page", fmt.Sprint(page))
		var p listPage
		if err := a.call(ctx, "GET", "/api/downloads?"+q.Encode(), nil, &p); err != nil {
			return nil, err
		}
		all = append(all, p.Downloads...)
		if len(p.Downloads) == 0 || page >= p.TotalPages {
			return all, nil
		}
	}
}

// list fetches every task matching q.
func (a *apiClient) list(ctx context.Context, q url.Values) ([]task.Task, error) {
	raw, err := a.listRaw(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]task.Task, len(raw))
	for i, r := range raw {
		if err := json.Unmarshal(r, &out[i]); err != nil {
			return nil, fmt.Errorf("the daemon sent a task this client cannot read: %v", err)
		}
	}
	return out, nil
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// ---- ids ----

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
func (c *cli) resolve(args []string) ([]target, error) {
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
			if tasks, err = c.api.list(c.ctx, nil); err != nil {
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
func (c *cli) resolveBatch(arg string) (string, error) {
	if isFullID(arg) {
		return strings.ToLower(arg), nil
	}
	var ans struct {
		Batches []task.BatchSummary `json:"batches"`
	}
	if err := c.api.call(c.ctx, "GET", "/api/downloads/batches", nil, &ans); err != nil {
		return "", err
	}
	var byName, byPrefix []string
	for _, b := range ans.Batches {
		if b.BatchName == arg {
			byName = append(byName, b.BatchID)
		}
		if strings.HasPrefix(b.BatchID, strings.ToLower(arg)) {
			byPrefix = append(byPrefix, b.BatchID)
		}
	}
	switch {
	case len(byName) == 1:
		return byName[0], nil
	case len(byName) > 1:
		return "", fmt.Errorf("%d batches are called %q: give the batch id instead", len(byName), arg)
	case len(byPrefix) == 1:
		return byPrefix[0], nil
	case len(byPrefix) > 1:
		return "", fmt.Errorf("%q is the start of %d batch ids: give more of it", arg, len(byPrefix))
	}
	return "", fmt.Errorf("no batch is called %q or has an id starting with it", arg)
}

// ---- add ----

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
			var ans struct {
				BatchID   string      `json:"batch_id"`
				BatchName string      `json:"batch_name"`
				Tasks     []task.Task `json:"tasks"`
			}
			if err := c.api.call(c.ctx, "POST", "/api/batches", req, &ans); err != nil {
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
			var t task.Task
			if err := c.api.call(c.ctx, "POST", "/api/downloads", req, &t); err != nil {
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

// ---- ls ----

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
			raw, err := c.api.listRaw(c.ctx, q)
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
		tasks, err := c.api.list(c.ctx, q)
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

// ---- pause, resume, cancel, retry ----

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
				var ans struct{ Affected int }
				if err := c.api.call(c.ctx, "POST", "/api/downloads/"+string(a)+"-all", nil, &ans); err != nil {
					return c.fail(err)
				}
				fmt.Fprintf(c.stdout, "%s %d downloads\n", done, ans.Affected)
				return 0
			}
			if len(args) == 0 {
				return c.usage("no ID given")
			}
			return c.eachTarget(args, func(tg target) error {
				var t task.Task
				if err := c.api.call(c.ctx, "POST", "/api/downloads/"+url.PathEscape(tg.id)+"/"+string(a), nil, &t); err != nil {
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

// ---- rm ----

func setupRemove(fs *flag.FlagSet) func(c *cli, args []string) int {
	deleteFiles := fs.Bool("delete-files", false, "also delete the downloaded (or partial) files")
	return func(c *cli, args []string) int {
		if len(args) == 0 {
			return c.usage("no ID given")
		}
		return c.eachTarget(args, func(tg target) error {
			path := "/api/downloads/" + url.PathEscape(tg.id)
			if *deleteFiles {
				path += "?delete_files=true"
			}
			if err := c.api.call(c.ctx, "DELETE", path, nil, nil); err != nil {
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
