// Package cli is the fetchd command: the daemon's flags and run, and the
// client commands (add, ls, pause, resume, cancel, retry, rm, watch).
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/fetchd/fetchd/engine"
)

// Main runs fetchd with args (without the program name) and returns the
// exit code: a client command when args name one, the daemon otherwise.
func Main(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if handled, code := runClient(ctx, args, stdout, stderr); handled {
		return code
	}
	o, err := parseOptions(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "fetchd:", err)
		return 2
	}
	if o.version {
		fmt.Fprintln(stdout, "fetchd", engine.Version)
		return 0
	}
	log, err := newLogger(o.logLevel, o.logFormat, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "fetchd:", err)
		return 2
	}
	if err := serve(o, log); err != nil {
		log.Error().Err(err).Msg("fetchd stopped")
		return 1
	}
	return 0
}
