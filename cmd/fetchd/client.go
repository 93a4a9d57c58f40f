package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/fetchd/fetchd/engine"
	"github.com/fetchd/fetchd/engine/task"
	"github.com/fetchd/fetchd/wsconn/client"
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
		api: &client.REST{Server: base, Token: token, HTTP: &http.Client{Timeout: 30 * time.Second}, UserAgent: "fetchd-client/" + engine.Version},
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
	api            *client.REST
}

func (c *cli) usage(msg string) int { return c.cmd.usageError(c.stderr, msg) }

// fail reports err as `fetchd: <message>` and returns exit code 1.
func (c *cli) fail(err error) int {
	fmt.Fprintln(c.stderr, "fetchd:", c.describe(err))
	return 1
}

// failFor reports an error about one of several subjects (an id, a URL).
func (c *cli) failFor(subject string, several bool, err error) {
	if several {
		fmt.Fprintf(c.stderr, "fetchd: %s: %s\n", subject, c.describe(err))
		return
	}
	fmt.Fprintln(c.stderr, "fetchd:", c.describe(err))
}

// describe words err for the terminal, with a hint at the flag to fix.
func (c *cli) describe(err error) string {
	var unreachable *client.UnreachableError
	var status *client.StatusError
	switch {
	case errors.Is(err, context.Canceled):
		return "interrupted"
	case errors.As(err, &unreachable):
		hint := "check --server or FETCHD_SERVER"
		if unreachable.Refused() {
			hint = "is it running? start it with: fetchd"
		}
		return fmt.Sprintf("cannot reach the daemon at %s (%s): %s", unreachable.Server, unreachable.Reason(), hint)
	case errors.As(err, &status) && status.Status == http.StatusUnauthorized && c.api.Token != "":
		return "the daemon refused the token: check --token or FETCHD_TOKEN"
	case errors.As(err, &status) && status.Status == http.StatusUnauthorized:
		return "the daemon requires a token: pass --token or set FETCHD_TOKEN"
	case errors.As(err, &status) && status.FromDaemon():
		return status.Message
	case errors.As(err, &status):
		return fmt.Sprintf("%s %s answered %d %s: is --server pointing at fetchd?", status.Method, status.URL, status.Status, http.StatusText(status.Status))
	}
	return err.Error()
}

// fatal reports whether err makes further requests pointless.
func fatal(err error) bool {
	var unreachable *client.UnreachableError
	var status *client.StatusError
	return errors.As(err, &unreachable) || (errors.As(err, &status) && status.Status == http.StatusUnauthorized) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
