package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/fetchd/fetchd/engine"
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
	setup   func(fs *flag.FlagSet) func(c *invocation, args []string) int
}

// flagSet builds the command's flags: the common ones, then its own.
func (cmd *clientCmd) flagSet(server, token *string) *flag.FlagSet {
	fs := flag.NewFlagSet("fetchd "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(server, "server", "", "the daemon's `URL` (default "+defaultServer+", or FETCHD_SERVER)")
	fs.StringVar(token, "token", "", "send `T` as the API token (or set FETCHD_TOKEN)")
	return fs
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
		server = cmp.Or(getenv("FETCHD_SERVER"), defaultServer)
	}
	if !set["token"] {
		token = getenv("FETCHD_TOKEN")
	}
	base, err := normalizeServer(server)
	if err != nil {
		return cmd.usageError(stderr, err.Error())
	}
	c := &invocation{
		ctx: ctx, stdout: stdout, stderr: stderr, cmd: cmd,
		api: &client.REST{Server: base, Token: token, HTTP: &http.Client{Timeout: 30 * time.Second}, UserAgent: "fetchd-client/" + engine.Version},
	}
	return run(c, pos)
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

// invocation is one run of a command.
type invocation struct {
	ctx            context.Context
	stdout, stderr io.Writer
	cmd            *clientCmd
	api            *client.REST
}

func (c *invocation) usage(msg string) int { return c.cmd.usageError(c.stderr, msg) }

// printJSON prints v indented, as --json asks.
func (c *invocation) printJSON(v any) int {
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return c.fail(err)
	}
	fmt.Fprintf(c.stdout, "%s\n", out)
	return 0
}
