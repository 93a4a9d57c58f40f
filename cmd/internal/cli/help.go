package cli

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

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
	fmt.Fprintf(w, "  %-8s %s\n", "gateway", "hold WebSocket clients for an engine on NATS (fetchd gateway --help)")
	fmt.Fprintf(w, "  %-8s %s\n", "help", "show this, or a command's flags: fetchd help <command>")
	fmt.Fprint(w, `
Every command takes --server URL (default `+defaultServer+`, or FETCHD_SERVER), before or after it,
and --token T (or FETCHD_TOKEN). An ID is a download's full id or any unique prefix of it,
such as the 8 characters fetchd ls shows.
`)
}

func (cmd *clientCmd) usageLine() string {
	return strings.TrimSpace("usage: fetchd " + cmd.name + " " + cmd.args)
}

func (cmd *clientCmd) printHelp(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "%s\n\n%s\n\nFlags:\n", cmd.usageLine(), cmd.help)
	printFlags(w, fs, nil)
}

// printFlags lists flags as --name VALUE and what they do, the same for the
// daemon and the commands; note, when set, adds a parenthesised remark.
func printFlags(w io.Writer, fs *flag.FlagSet, note func(*flag.Flag) string) {
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		if _, isBool := f.Value.(interface{ IsBoolFlag() bool }); isBool {
			name = ""
		}
		if note != nil {
			if n := note(f); n != "" {
				usage += " (" + n + ")"
			}
		}
		fmt.Fprintf(w, "  %-26s %s\n", strings.TrimSpace("--"+f.Name+" "+name), usage)
	})
}

// usageError reports bad usage and returns exit code 2.
func (cmd *clientCmd) usageError(stderr io.Writer, msg string) int {
	fmt.Fprintf(stderr, "fetchd %s: %s\n%s\nrun 'fetchd %s --help' for details\n", cmd.name, msg, cmd.usageLine(), cmd.name)
	return 2
}
