package cli

import (
	"context"
	"io"
	"strings"

	"github.com/fetchd/fetchd/engine/task"
)

// clientCmds lists the commands in the order `fetchd help` shows them.
var clientCmds = []*clientCmd{
	{name: "add", args: "URL... [--input-file FILE] [--batch NAME] [--filename NAME] [--destination DIR] [--priority N]\n" +
		"    [--category C] [--checksum sha256:HEX] [--header 'Name: value']... [--user USER[:PASS]] [--force]",
		summary: "queue downloads",
		help: "Queues one download per URL. With several URLs and --batch they form one new batch;\n" +
			"without --batch each URL is a download of its own. --filename and --checksum need exactly one URL.\n" +
			"--header and --user go with every request of every download; the daemon never shows their secrets.\n" +
			"A URL must start with http:// or https://. Until the origin answers, a download's name is provisional.",
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
	{name: "rm", args: "ID... [--batch NAME]... [--delete-files]",
		summary: "remove downloads (cancelling them first)",
		help: "Removes downloads from the daemon; --batch NAME removes every download of that batch.\n" +
			"The downloaded files stay unless --delete-files is given.",
		setup: setupRemove},
	{name: "watch", args: "[--plain]",
		summary: "follow every download live until interrupted",
		help: "Shows live progress over the daemon's WebSocket until interrupted. On a terminal it\n" +
			"redraws one line per download in place, running ones first; there ↑/↓ (or j/k) select a row,\n" +
			"p pauses and r resumes it, q (or Ctrl-C) quits. Otherwise (or with --plain) it prints a line\n" +
			"for every state change and a progress line per running download every few seconds.",
		setup: setupWatch},
	{name: "settings", args: "[--max-concurrent N] [--max-retries N] [--speed-limit RATE] [--json]",
		summary: "show or change the daemon's settings",
		help: "Without flags, shows the daemon's settings. Each flag given changes that setting at once\n" +
			"(PUT /api/settings); the daemon stores it and the new settings are shown.\n" +
			"A RATE is bytes per second, or with K, M or G in powers of 1024: --speed-limit 2M.",
		setup: setupSettings},
	{name: "stats", args: "[--json]",
		summary: "show the engine's figures: active, queued, speed, stored counts",
		help:    "Shows how many downloads are in each state, the total speed, and the counts the store holds.",
		setup:   setupStats},
	{name: "version", summary: "print the client's version and the daemon's",
		help:  "Prints this client's version and, when the daemon answers, the daemon's.",
		setup: setupVersion},
}

func findClientCmd(name string) *clientCmd {
	for _, c := range clientCmds {
		if c.name == name {
			return c
		}
	}
	return nil
}

// runClient handles `fetchd <command> ...`, with --server and --token
// allowed before the command. handled is false when args are the daemon's.
func runClient(ctx context.Context, args []string, stdout, stderr io.Writer) (handled bool, code int) {
	globals, rest := splitGlobals(args)
	if len(rest) == 0 {
		return false, 0
	}
	switch rest[0] {
	case "help":
		return true, runHelp(rest[1:], stdout, stderr)
	case "gateway":
		return true, runGateway(rest[1:], stderr)
	}
	cmd := findClientCmd(rest[0])
	if cmd == nil {
		if strings.HasPrefix(rest[0], "-") {
			return false, 0
		}
		return true, unknownCommand(rest[0], stderr)
	}
	return true, cmd.execute(ctx, append(globals, rest[1:]...), stdout, stderr)
}
