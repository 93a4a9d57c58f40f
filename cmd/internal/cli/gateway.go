package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	stdlog "log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/fetchd/fetchd/bus"
	"github.com/fetchd/fetchd/gateway"
)

const gatewayUsage = `usage: fetchd gateway --nats URL [--addr HOST:PORT] [--token T] [--allowed-origins ...]

Holds WebSocket clients for an engine it reaches over NATS (the engine runs
with --nats-listen or --nats-url): /api/ws in both dialects, /api/health and
/metrics. REST stays on the engine; put a proxy in front that sends /api/ws
to the gateways. Every flag has an environment twin, shown with it.

Flags:
`

// runGateway is `fetchd gateway`: it runs until SIGINT or SIGTERM.
func runGateway(args []string, stderr io.Writer) int {
	var (
		natsURL, addr, token, origins, logLevel, logFormat string
	)
	fs := flag.NewFlagSet("fetchd gateway", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&natsURL, "nats", "", "the bus: the engine's NATS `URL` (nats://host:port; several comma-separated for a cluster)")
	fs.StringVar(&addr, "addr", "127.0.0.1:8485", "serve the WebSocket on `ADDR` (host:port)")
	fs.StringVar(&token, "token", "", "require `TOKEN` on the WebSocket and /metrics, as the engine does")
	fs.StringVar(&origins, "allowed-origins", "", "browser `ORIGINS` (comma-separated), besides the gateway's own host, that may open the WebSocket; * for any")
	fs.StringVar(&logLevel, "log-level", "info", "log at `LEVEL`: trace, debug, info, warn or error")
	fs.StringVar(&logFormat, "log-format", "json", "log lines as `FORMAT`: json or console")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), gatewayUsage)
		printFlags(fs.Output(), fs, func(f *flag.Flag) string { return "env " + gatewayEnv(f.Name) })
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		if v := getenv(gatewayEnv(f.Name)); v != "" && !set[f.Name] && envErr == nil {
			if err := fs.Set(f.Name, v); err != nil {
				envErr = fmt.Errorf("%s=%q: %v", gatewayEnv(f.Name), v, err)
			}
		}
	})
	switch {
	case envErr != nil:
		fmt.Fprintln(stderr, "fetchd gateway:", envErr)
		return 2
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "fetchd gateway: unexpected argument %q (see --help)\n", fs.Arg(0))
		return 2
	case natsURL == "":
		fmt.Fprintln(stderr, "fetchd gateway: --nats is required: the URL of the engine's NATS server (its --nats-listen or --nats-url)")
		return 2
	}
	log, err := newLogger(logLevel, logFormat, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "fetchd gateway:", err)
		return 2
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Error().Err(err).Msg("fetchd gateway stopped")
		return 1
	}
	g, err := gateway.New(gateway.Config{NATS: natsURL, Token: token, AllowedOrigins: commaList(origins), Log: log})
	if err != nil {
		ln.Close()
		log.Error().Err(err).Msg("fetchd gateway stopped")
		return 1
	}
	srv := &http.Server{Handler: g.Handler(), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: stdlog.New(serverErrors{log.With().Str("component", "http").Logger()}, "", 0)}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info().Str("component", "server").Str("addr", ln.Addr().String()).Str("nats", bus.Redacted(natsURL)).Msg("fetchd gateway listening")
	stop, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	select {
	case <-stop.Done():
		log.Info().Str("component", "server").Msg("shutting down")
	case err = <-served:
		log.Error().Err(err).Str("component", "server").Msg("server failed")
	case <-g.Failed():
		err = g.Failure() // exit non-zero: a supervisor starts a whole gateway again
	}
	ctx, done := context.WithTimeout(context.Background(), shutdownGrace)
	defer done()
	srv.Shutdown(ctx)
	if cerr := g.Close(ctx); cerr != nil {
		log.Warn().Err(cerr).Msg("closing connections")
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return 1
	}
	return 0
}

func gatewayEnv(flagName string) string {
	if flagName == "nats" || flagName == "addr" {
		return "FETCHD_GATEWAY_" + envName(flagName)[len("FETCHD_"):]
	}
	return envName(flagName)
}
