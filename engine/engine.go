// Package engine wires fetchd together: the store, the actor system, the
// manager and its downloads. Engine is the Go API that embedders call and that
// the REST handlers serve.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/fetchd/fetchd/actors/hub"
	"github.com/fetchd/fetchd/actors/manager"
	"github.com/fetchd/fetchd/actors/publisher"
	"github.com/fetchd/fetchd/actors/stats"
	"github.com/fetchd/fetchd/bus"
	"github.com/fetchd/fetchd/engine/aria2"
	"github.com/fetchd/fetchd/engine/task"
	"github.com/fetchd/fetchd/engine/telemetry"
	"github.com/fetchd/fetchd/persistence"
	"github.com/fetchd/fetchd/wsconn"
)

// Version is the build's version; the linker may override it.
var Version = "0.1.0"

// Config configures an Engine. The zero value of every field has a sane
// default, except that an empty DataDir keeps the store in memory.
type Config struct {
	DataDir     string             // badger directory; "" keeps state in memory
	DownloadDir string             // where files go; default "./downloads"
	Settings    task.SettingsPatch // overrides of the stored settings
	Token       string             // when set, REST and WebSocket need it
	// AllowedOrigins are the browser origins, besides the daemon's own host,
	// that may open the WebSocket; "*" allows any.
	AllowedOrigins []string
	// AllowedHosts are the host names, besides IP literals and localhost,
	// that requests may name; "*" allows any (see http_guard.go).
	AllowedHosts []string
	Logger       zerolog.Logger // default: discard
	// HTTPClient talks to origins; default: built from CACertFile and
	// InsecureTLS, with a connect timeout and proxies from the environment.
	HTTPClient  *http.Client
	CACertFile  string // PEM roots trusted besides the system's
	InsecureTLS bool   // skip certificate checks
	UserAgent   string // default User-Agent; default "fetchd/<version>"

	RetryBase     time.Duration    // first retry back-off; default 1 s
	RetryCap      time.Duration    // longest back-off; default 5 min
	StallTimeout  time.Duration    // no byte for this long is retryable; default 60 s
	Checkpoint    time.Duration    // progress is written at most this often; default 1 s
	ProgressEvery time.Duration    // a transfer reports at most this often; default 250 ms
	FlushEvery    time.Duration    // progress goes out as one batch this often; default 500 ms
	StatsEvery    time.Duration    // ENGINE_STATS goes out this often; default 2 s
	WS            wsconn.Limits    // zero: PROTOCOL.md's limits
	Replay        hub.ReplayLimits // what is kept for clients that resume; zero: PROTOCOL.md's
	Pprof         bool             // serve /debug/pprof (behind the token, when one is set)
	// Bus, when it names a NATS server to run or to use, carries the live
	// stream to gateways (PROTOCOL.md, "Gateways").
	Bus bus.StreamConfig
	// Shutdown stops the daemon gracefully when aria2's shutdown asks; nil
	// (an embedded engine) refuses it.
	Shutdown func()
}

// Engine is a running fetchd.
type Engine struct {
	cfg       Config
	log       zerolog.Logger
	store     *persistence.Store
	system    *actor.ActorSystem
	manager   *actor.PID
	publisher *actor.PID
	ws        *wsconn.Server
	aria2     *aria2.Server
	metrics   *telemetry.Metrics
	bus       *bus.Stream // nil without one
	started   time.Time
	closed    atomic.Bool
	failure   atomic.Pointer[error] // set once a core actor failed
	failed    chan struct{}         // closed then
}

// requestTimeout bounds any one call into the actors.
const requestTimeout = 30 * time.Second

// Open starts an engine: it opens the store, restores every task and starts
// the downloads that were queued or running.
func Open(cfg Config) (*Engine, error) {
	cfg = withDefaults(cfg)
	if cfg.HTTPClient == nil {
		client, err := newClient(cfg.CACertFile, cfg.InsecureTLS)
		if err != nil {
			return nil, err
		}
		cfg.HTTPClient = client
	}
	dir, err := filepath.Abs(cfg.DownloadDir)
	if err != nil {
		return nil, fmt.Errorf("download dir: %w", err)
	}
	cfg.DownloadDir = dir
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create download dir: %w", err)
	}
	if cfg.DataDir != "" {
		if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
			return nil, fmt.Errorf("create data dir: %w", err)
		}
	}
	store, err := persistence.Open(cfg.DataDir, cfg.Logger)
	if err != nil {
		return nil, err
	}
	settings, err := startSettings(store, cfg.Settings)
	if err != nil {
		store.Close()
		return nil, err
	}
	tasks, err := store.LoadTasks()
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("load tasks: %w", err)
	}
	library, err := store.LoadLibrary()
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("load library: %w", err)
	}
	e := &Engine{cfg: cfg, log: cfg.Logger.With().Str("component", "engine").Logger(), store: store, started: time.Now(), failed: make(chan struct{})}
	e.system = actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return actorLogger(cfg.Logger)
	}))
	root := e.system.Root
	e.metrics = telemetry.New()
	core := actor.WithGuardian(&failStop{onFail: e.fail}) // a pointer: protoactor keys its guardians by strategy
	hubCfg := hub.Config{Metrics: e.metrics, Stream: wsconn.StreamCodec(), Replay: cfg.Replay}
	if cfg.Bus.Listen != "" || cfg.Bus.URL != "" {
		cfg.Bus.Log = cfg.Logger
		if e.bus, err = bus.NewStream(cfg.Bus); err != nil {
			store.Close()
			return nil, err
		}
		hubCfg.Relay = e.bus
	}
	hubPID, _ := root.SpawnNamed(hub.Props(hubCfg).Configure(core), "hub")
	e.publisher, _ = root.SpawnNamed(publisher.Props(hubPID, cfg.FlushEvery, e.metrics).Configure(core), "publisher")
	// The sockets are known before anything can fail: a failure closes them.
	e.ws = wsconn.NewServer(wsconn.Config{
		System:         e.system,
		Publisher:      e.publisher,
		AllowedOrigins: cfg.AllowedOrigins,
		Limits:         cfg.WS,
		Log:            cfg.Logger,
		Metrics:        e.metrics,
	})
	m := manager.New(manager.Config{
		Store:         store,
		DownloadDir:   dir,
		Settings:      settings,
		Log:           cfg.Logger,
		HTTPClient:    cfg.HTTPClient,
		UserAgent:     cfg.UserAgent,
		RetryBase:     cfg.RetryBase,
		RetryCap:      cfg.RetryCap,
		StallTimeout:  cfg.StallTimeout,
		Checkpoint:    cfg.Checkpoint,
		ProgressEvery: cfg.ProgressEvery,
		Metrics:       e.metrics,
		Notify:        func(c any) { root.Send(e.publisher, c) },
	}, tasks, library)
	abandon := func(err error) (*Engine, error) {
		if e.bus != nil {
			e.bus.Close()
		}
		store.Close()
		return nil, err
	}
	if e.manager, err = root.SpawnNamed(manager.Props(m).Configure(core), "manager"); err != nil {
		return abandon(fmt.Errorf("start manager: %w", err))
	}
	// A round trip to the manager: by its answer it has told the publisher of
	// every stored task, so no connection can get a partial SYNC_ALL.
	if _, err := root.RequestFuture(e.manager, manager.GetSettings{}, requestTimeout).Result(); err != nil {
		return abandon(fmt.Errorf("start manager: %w", err))
	}
	root.SpawnNamed(stats.Props(e.manager, hubPID, cfg.StatsEvery).Configure(core), "stats")
	if e.bus != nil {
		if err := e.bus.Serve(root, e.publisher); err != nil {
			return abandon(err)
		}
	}
	// aria2 takes the engine as its Engine and the WebSocket server drives
	// its calls and notifications: it imports neither, so engine wires it.
	e.aria2 = aria2.New(aria2.Config{Engine: e, Token: cfg.Token, DownloadDir: dir, Shutdown: cfg.Shutdown, Log: cfg.Logger})
	if cfg.InsecureTLS {
		e.log.Warn().Msg("--insecure-tls: certificates of origins are not checked")
	}
	e.log.Info().Int("tasks", len(tasks)).Str("download_dir", dir).Str("data_dir", cfg.DataDir).Msg("engine open")
	return e, nil
}

func withDefaults(c Config) Config {
	if c.DownloadDir == "" {
		c.DownloadDir = "downloads"
	}
	if c.UserAgent == "" {
		c.UserAgent = "fetchd/" + Version
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.RetryBase, time.Second)
	def(&c.RetryCap, 5*time.Minute)
	def(&c.StallTimeout, 60*time.Second)
	def(&c.Checkpoint, time.Second) // a segmented download's ranges at least once a second
	def(&c.ProgressEvery, 250*time.Millisecond)
	def(&c.FlushEvery, 500*time.Millisecond)
	def(&c.StatsEvery, 2*time.Second)
	if c.WS == (wsconn.Limits{}) {
		c.WS = wsconn.DefaultLimits()
	}
	return c
}

// startSettings are the stored settings (or the defaults) with the
// overrides applied; overrides are stored so the API reports what runs.
func startSettings(store *persistence.Store, overrides task.SettingsPatch) (task.Settings, error) {
	s, found, err := store.LoadSettings()
	if err != nil {
		return s, err
	}
	if !found {
		s = task.DefaultSettings()
	}
	s.Upgrade()
	next, err := overrides.Apply(s)
	if err != nil {
		return s, err
	}
	if next != s || !found {
		if err := store.SaveSettings(next); err != nil {
			return s, err
		}
	}
	return next, nil
}

// Close stops every download so that it resumes at the next Open, tells the
// live clients (whose last updates show the downloads re-queued), closes
// every WebSocket with 1001 and closes the store. It waits at most until ctx
// is done.
func (e *Engine) Close(ctx context.Context) error {
	if !e.closed.CompareAndSwap(false, true) {
		return nil
	}
	wait := requestTimeout
	if dl, ok := ctx.Deadline(); ok {
		wait = max(time.Until(dl), time.Second)
	}
	root := e.system.Root
	// What runs now is what the shutdown puts back in the queue; a figure
	// that could not be had is left out of the summary.
	summary := e.log.Info()
	if res, serr := root.RequestFuture(e.manager, manager.GetStats{}, wait).Result(); serr == nil {
		if r, ok := res.(manager.Reply[task.Stats]); ok && r.Err == nil {
			summary = summary.Int("requeued", r.V.ActiveDownloads)
		}
	}
	_, err := root.RequestFuture(e.manager, manager.Shutdown{}, wait).Result()
	if err != nil {
		e.log.Error().Err(err).Msg("downloads did not stop in time")
	}
	res, derr := root.RequestFuture(e.publisher, hub.CloseAll{Disconnect: wsconn.DisconnectShutdown}, wait).Result()
	if derr != nil {
		e.log.Error().Err(derr).Msg("closing connections")
	} else if c, ok := res.(hub.Closed); ok {
		summary = summary.Int("ws_closed", c.N)
	}
	summary.Msg("shutdown: running downloads re-queued, WebSocket connections closed")
	if werr := e.ws.Wait(ctx); werr != nil {
		e.log.Warn().Err(werr).Msg("some connections did not close in time")
	}
	e.ws.Close()
	if e.bus != nil {
		e.bus.Close() // after the last broadcast: gateways close their sockets too
	}
	root.StopFuture(e.manager).Wait()
	e.system.Shutdown()
	if cerr := e.store.Close(); cerr != nil {
		err = errors.Join(err, fmt.Errorf("close store: %w", cerr))
	}
	e.log.Info().Msg("engine closed")
	return err
}

// BusAddr is the address of the embedded NATS server, "" without one.
func (e *Engine) BusAddr() string {
	if e.bus == nil {
		return ""
	}
	return e.bus.Addr()
}

// ask sends a request to the manager and waits for its Reply.
func ask[T any](e *Engine, msg any) (T, error) {
	var zero T
	if e.closed.Load() {
		return zero, task.ErrClosed
	}
	if err := e.Failure(); err != nil {
		return zero, fmt.Errorf("%w: %v; restart it", task.ErrClosed, err)
	}
	res, err := e.system.Root.RequestFuture(e.manager, msg, requestTimeout).Result()
	if err != nil {
		return zero, fmt.Errorf("engine did not answer: %w", err)
	}
	r, ok := res.(manager.Reply[T])
	if !ok {
		return zero, fmt.Errorf("engine answered %T, want %T", res, r)
	}
	return r.V, r.Err
}
