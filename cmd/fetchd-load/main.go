// Command fetchd-load drives a fetchd daemon with thousands of WebSocket
// clients, each an actor owning one connection, while the daemon downloads
// from the harness's own loopback origin, and reports what the clients saw.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"
)

type options struct {
	url         string
	spawn       bool
	fetchdBin   string
	conns       int
	ramp        int
	duration    time.Duration
	eventsFrac  float64
	subFrac     float64
	stallFrac   float64
	verify      int
	downloads   int
	rate        int
	token       string
	jsonOut     string
	daemonPprof bool
	daemonPID   int
	compress    bool
	blinkFrac   float64
	versus      string // "centrifugo": see versus.go
	versusBin   string
	soak        time.Duration
	sampleEvery time.Duration
	dataDir     string
	gateways    int      // with --spawn: gateway processes to spread the clients over
	wsURLs      []string // with --url: gateways' base URLs to spread the clients over
	floor       int      // bytes: measure the bare loopback instead, see floor.go
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == floorSenderArg {
		raiseFileLimit(stderr)
		if err := floorSender(args[1:], stdout); err != nil {
			fmt.Fprintln(stderr, "fetchd-load:", err)
			return 1
		}
		return 0
	}
	o, err := parse(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "fetchd-load:", err)
		return 2
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	raiseFileLimit(stderr)
	debug.SetGCPercent(400) // the harness trades memory for CPU: the daemon needs the cores
	res, err := measure(ctx, o, stdout, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "fetchd-load:", err)
		return 1
	}
	res.table(stdout)
	if o.jsonOut != "" {
		if err := writeJSON(res, o.jsonOut, stdout); err != nil {
			fmt.Fprintln(stderr, "fetchd-load:", err)
			return 1
		}
	}
	return 0
}

func parse(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("fetchd-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.url, "url", "", "a running daemon's base URL (loopback only), e.g. http://127.0.0.1:8484")
	fs.BoolVar(&o.spawn, "spawn", false, "start a daemon on a temp dir instead of --url")
	fs.StringVar(&o.fetchdBin, "fetchd", "", "with --spawn: the fetchd binary (default: go build ./cmd/fetchd)")
	fs.IntVar(&o.conns, "conns", 1000, "WebSocket clients")
	fs.IntVar(&o.ramp, "ramp", 1000, "clients connected per second")
	fs.DurationVar(&o.duration, "duration", 20*time.Second, "measuring time once every client is connected")
	fs.Float64Var(&o.eventsFrac, "events", 0, "fraction of clients on the events dialect")
	fs.Float64Var(&o.subFrac, "subscribe", 0, "fraction of clients that subscribe to a few download ids")
	fs.Float64Var(&o.stallFrac, "stall", 0, "fraction of clients that stop reading after SYNC_ALL")
	fs.IntVar(&o.verify, "verify", 20, "tasks-dialect clients that apply every message and are checked against a final GET")
	fs.IntVar(&o.downloads, "downloads", 100, "throttled downloads to run from the harness's own origin")
	fs.IntVar(&o.rate, "rate", 32<<10, "bytes/s of each download")
	fs.StringVar(&o.token, "token", "", "the daemon's --token, if any")
	fs.StringVar(&o.jsonOut, "json", "", "also write the results as JSON to this file (- for stdout)")
	fs.BoolVar(&o.daemonPprof, "daemon-pprof", false, "with --spawn: start the daemon with --pprof")
	fs.IntVar(&o.daemonPID, "pid", 0, "with --url: the daemon's pid, to report its RSS and CPU")
	fs.DurationVar(&o.soak, "soak", 0, "run a soak instead: a steady mixed workload for this long (e.g. 30m), sampling the daemon's RSS, goroutines, open fds and store size")
	fs.DurationVar(&o.sampleEvery, "sample-every", 30*time.Second, "with --soak: time between samples")
	fs.StringVar(&o.dataDir, "data-dir", "", "with --url and --soak: the daemon's --data-dir, to sample the store's size (else n/a)")
	fs.StringVar(&o.versus, "versus", "", "centrifugo: measure a spawned fetchd, then Centrifugo "+centrifugoVersion+" with the same clients and the same batch, side by side")
	fs.StringVar(&o.versusBin, "centrifugo", "", "with --versus: the Centrifugo binary (default: built once into the user cache dir)")
	fs.IntVar(&o.gateways, "gateways", 0, "with --spawn: run the daemon with an embedded NATS server and `N` fetchd gateway processes, and spread the clients over the gateways (REST stays on the daemon)")
	fs.Func("ws", "with --url: spread the clients over these gateways' base `URLS` (comma-separated) instead of the daemon", func(v string) error {
		for _, u := range strings.Split(v, ",") {
			if u = strings.TrimSpace(u); u != "" {
				o.wsURLs = append(o.wsURLs, strings.TrimRight(u, "/"))
			}
		}
		return nil
	})
	fs.BoolVar(&o.compress, "compress", false, "clients offer permessage-deflate, as browsers do")
	fs.Float64Var(&o.blinkFrac, "resume-blink", 0, "fraction of tasks-dialect clients that drop their connection every few seconds and resume it (?since=)")
	fs.IntVar(&o.floor, "floor", 0, "measure the loopback's own floor instead, with no daemon: --conns sockets that each get one message of `BYTES` every 500 ms for --duration from a bare sender process")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "fetchd-load: many WebSocket clients against one fetchd, with real downloads.\n\nUsage:\n  fetchd-load --spawn [flags]\n  fetchd-load --url http://127.0.0.1:8484 [flags]\n  fetchd-load --spawn --soak 30m [flags]\n  fetchd-load --versus centrifugo [flags]\n  fetchd-load --floor BYTES [--conns N] [--duration D]\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if o.versus != "" {
		if err := versusFlags(o); err != nil {
			return nil, err
		}
	}
	if o.floor != 0 {
		return o, floorFlags(o)
	}
	switch {
	case o.spawn == (o.url != ""):
		return nil, errors.New("give exactly one of --spawn and --url")
	case o.conns < 1 || o.ramp < 1:
		return nil, errors.New("--conns and --ramp must be at least 1")
	case o.downloads < 0 || o.downloads > 1000:
		return nil, errors.New("--downloads must be from 0 to 1000 (the daemon's max_concurrent limit)")
	case o.gateways < 0 || o.gateways > 16 || (o.gateways > 0 && !o.spawn) || (len(o.wsURLs) > 0 && o.spawn):
		return nil, errors.New("--gateways is from 0 to 16 and goes with --spawn; --ws goes with --url")
	case o.soak < 0 || o.sampleEvery <= 0:
		return nil, errors.New("--soak must not be negative and --sample-every must be positive")
	case o.eventsFrac < 0 || o.eventsFrac > 1 || o.subFrac < 0 || o.subFrac > 1 || o.stallFrac < 0 || o.stallFrac > 1 || o.blinkFrac < 0 || o.blinkFrac > 1:
		return nil, errors.New("--events, --subscribe, --stall and --resume-blink are fractions from 0 to 1")
	}
	return o, nil
}

// raiseFileLimit lifts the open-file limit as far as allowed: every client
// is a socket.
func raiseFileLimit(stderr io.Writer) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return
	}
	want := lim
	want.Cur = max(lim.Max, 1<<20)
	want.Max = want.Cur
	if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want) != nil {
		want = lim
		want.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err != nil {
			fmt.Fprintln(stderr, "fetchd-load: could not raise the file limit:", err)
		}
	}
}
