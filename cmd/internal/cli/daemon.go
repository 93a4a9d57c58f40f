package cli

import (
	"context"
	"errors"
	"fmt"
	stdlog "log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/fetchd/fetchd/bus"
	"github.com/fetchd/fetchd/engine"
)

// shutdownGrace bounds a graceful stop.
const shutdownGrace = 5 * time.Second

// serve runs the daemon until SIGINT or SIGTERM, then stops the HTTP server
// and the engine, each within shutdownGrace.
func serve(o *options, log zerolog.Logger) error {
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.addr, err)
	}
	// aria2's shutdown method stops the daemon as SIGTERM does.
	asked := make(chan struct{})
	var askOnce sync.Once
	eng, err := engine.Open(engine.Config{
		Shutdown:       func() { askOnce.Do(func() { close(asked) }) },
		DataDir:        o.dataDir,
		DownloadDir:    o.downloadDir,
		Settings:       o.settings(),
		Token:          o.token,
		AllowedOrigins: o.allowedOrigins(),
		AllowedHosts:   o.allowedHosts(),
		Pprof:          o.pprof,
		CACertFile:     o.caCert,
		InsecureTLS:    o.insecureTLS,
		UserAgent:      o.userAgent,
		Bus:            bus.StreamConfig{Listen: o.natsListen, URL: o.natsURL},
		Logger:         log,
	})
	if err != nil {
		ln.Close()
		return err
	}
	if o.token == "" && !isLoopback(ln.Addr()) {
		log.Warn().Str("component", "server").Str("addr", ln.Addr().String()).Msg("listening beyond loopback without --token: anyone who can reach this address controls the daemon")
	}
	srv := &http.Server{Handler: eng.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, IdleTimeout: 2 * time.Minute,
		// net/http's own complaints (accept errors, TLS handshakes, panics)
		// join the one JSON stream instead of stderr's plain text.
		ErrorLog: stdlog.New(serverErrors{log.With().Str("component", "http").Logger()}, "", 0)}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info().Str("component", "server").Str("addr", ln.Addr().String()).Str("version", engine.Version).Msg("fetchd listening")

	stop, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	select {
	case <-stop.Done():
		log.Info().Str("component", "server").Msg("shutting down")
	case <-asked:
		log.Info().Str("component", "server").Str("by", "aria2.shutdown").Msg("shutting down")
	case err = <-served:
		log.Error().Err(err).Str("component", "server").Msg("server failed")
	case <-eng.Failed():
		// Exiting non-zero lets a supervisor start a whole engine again.
		err = eng.Failure()
	}
	// Each step has its own budget: a client dawdling over a request must not
	// eat the time the downloads need to stop cleanly.
	ctx, done := context.WithTimeout(context.Background(), shutdownGrace)
	defer done()
	srv.Shutdown(ctx)
	engCtx, engDone := context.WithTimeout(context.Background(), shutdownGrace)
	defer engDone()
	if cerr := eng.Close(engCtx); cerr != nil {
		return cerr
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info().Str("component", "server").Msg("bye")
	return nil
}

func isLoopback(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// serverErrors writes net/http's log lines as warnings.
type serverErrors struct{ log zerolog.Logger }

func (w serverErrors) Write(p []byte) (int, error) {
	w.log.Warn().Msg(strings.TrimSpace(string(p)))
	return len(p), nil
}
