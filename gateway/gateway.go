// Package gateway is `fetchd gateway`: a process that holds WebSockets for
// an engine it reaches over NATS, and nothing else (PROTOCOL.md,
// "Gateways"). Its connections are wsconn's, as on the engine; its hub is
// fed the engine's stream from the bus, frame by frame, and its snapshots
// are the engine's, asked for at the hub's exact place in the stream.
package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/fetchd/fetchd/actors/hub"
	"github.com/fetchd/fetchd/actors/tick"
	"github.com/fetchd/fetchd/bus"
	"github.com/fetchd/fetchd/engine/apierr"
	"github.com/fetchd/fetchd/engine/auth"
	"github.com/fetchd/fetchd/engine/telemetry"
	"github.com/fetchd/fetchd/wsconn"
)

// Config is what a gateway is made of.
type Config struct {
	NATS           string // the bus: nats://host:port, or several, comma-separated
	Token          string // when set, the WebSocket and /metrics need it
	AllowedOrigins []string
	Limits         wsconn.Limits    // zero: PROTOCOL.md's limits
	Replay         hub.ReplayLimits // zero: PROTOCOL.md's
	Log            zerolog.Logger
	// SnapshotWithin bounds a snapshot request; RetryCap the back-off
	// between requests an engine does not answer. Zero: 10 s and 5 s.
	SnapshotWithin time.Duration
	RetryCap       time.Duration
	// Silence: a stream quiet this long means the engine is gone (it sends
	// ENGINE_STATS every 2 s). Zero: 15 s.
	Silence time.Duration
}

// Gateway is a running gateway.
type Gateway struct {
	cfg        Config
	log        zerolog.Logger
	system     *actor.ActorSystem
	relay      *actor.PID
	ws         *wsconn.Server
	bus        *bus.Follower
	followed   chan struct{} // closed once bus is set
	metrics    *telemetry.Metrics
	ready      atomic.Bool
	started    time.Time
	stopChecks func()
	closeOnce  sync.Once
	failOnce   sync.Once
	failed     chan struct{}
	failure    error
	closeErr   error
}

// New starts a gateway. The bus may be down: it is retried with back-off,
// and until a snapshot of the engine places the stream the gateway answers
// 503.
func New(cfg Config) (*Gateway, error) {
	if cfg.Limits == (wsconn.Limits{}) {
		cfg.Limits = wsconn.DefaultLimits()
	}
	if cfg.SnapshotWithin <= 0 {
		cfg.SnapshotWithin = 10 * time.Second
	}
	if cfg.RetryCap <= 0 {
		cfg.RetryCap = 5 * time.Second
	}
	if cfg.Silence <= 0 {
		cfg.Silence = 15 * time.Second
	}
	g := &Gateway{cfg: cfg, log: cfg.Log.With().Str("component", "gateway").Logger(), metrics: telemetry.New(),
		started: time.Now(), followed: make(chan struct{}), failed: make(chan struct{})}
	g.system = actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.DiscardHandler)
	}))
	r := &relayActor{
		spawnHub: func(ctx actor.Context, at hub.Position) *actor.PID {
			return ctx.Spawn(hub.Props(hub.Config{Metrics: g.metrics, Stream: tasksDialect, Replay: cfg.Replay, Start: &at}))
		},
		ask:     func(gen int) { go g.askSnapshot(gen) },
		ready:   g.setReady,
		failed:  g.fail,
		held:    map[uint64][]any{},
		log:     g.log,
		backoff: func(n int) time.Duration { return min(cfg.RetryCap, 250*time.Millisecond<<min(n, 8)) },
		silence: cfg.Silence,
	}
	// A hub that panics is stopped, not restarted empty: the relay hears of
	// it and the gateway fails as a whole, as the engine does.
	stop := actor.NewOneForOneStrategy(0, 0, func(any) actor.Directive { return actor.StopDirective })
	g.relay = g.system.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return r }, actor.WithSupervisor(stop)))
	g.ws = wsconn.NewServer(wsconn.Config{
		System:         g.system,
		Publisher:      g.relay,
		AllowedOrigins: cfg.AllowedOrigins,
		Limits:         cfg.Limits,
		Log:            cfg.Log,
		Metrics:        g.metrics,
		Codecs:         codecs(),
	})
	root := g.system.Root
	f, err := bus.Follow(cfg.NATS, bus.Handlers{
		Up: func() {
			g.log.Info().Msg("on the bus")
			root.Send(g.relay, busUp{})
		},
		Down: func(err error) {
			g.log.Warn().Err(err).Msg("bus lost: sockets closed with 1012, reconnecting")
			root.Send(g.relay, busDown{})
		},
		Message: func(m *bus.Message) { root.Send(g.relay, &relayedMessage{Message: *m}) },
		Refused: func(err error) { g.log.Warn().Err(err).Msg("not a message of the stream: ignored") },
	})
	if err != nil {
		g.system.Shutdown()
		return nil, err
	}
	g.bus = f
	close(g.followed)
	g.stopChecks = tick.Every(root, g.relay, cfg.Silence/4, checkLive{})
	return g, nil
}

// askSnapshot asks the engine for a SYNC_ALL; the answer goes to the relay.
func (g *Gateway) askSnapshot(gen int) {
	<-g.followed // the bus may be up before Follow returns
	s, err := g.bus.Snapshot(g.cfg.SnapshotWithin)
	g.system.Root.Send(g.relay, snapshotted{gen: gen, snap: &syncFrame{Snapshot: s}, err: err})
}

// fail closes every socket with 1011 and tells Failed: a supervisor starts
// the gateway again.
func (g *Gateway) fail(err error) {
	g.failOnce.Do(func() {
		g.log.Error().Err(err).Msg("gateway failed: every socket closed with 1011")
		g.ready.Store(false)
		g.ws.CloseAll(hub.Disconnect{Code: 1011, Reason: "the gateway failed; reconnect"})
		g.failure = err
		close(g.failed)
	})
}

// Failed is closed once the gateway has failed; it then serves nothing.
func (g *Gateway) Failed() <-chan struct{} { return g.failed }

// Failure is why it failed, once Failed is closed.
func (g *Gateway) Failure() error {
	select {
	case <-g.failed:
		return g.failure
	default:
		return nil
	}
}

func (g *Gateway) setReady(ok bool) { g.ready.Store(ok) }

// Ready reports whether the gateway follows an engine's stream.
func (g *Gateway) Ready() bool { return g.ready.Load() }

// Handler serves /api/ws, /api/health and /metrics.
func (g *Gateway) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/health", g.health)
	mux.HandleFunc("GET /api/ws", func(w http.ResponseWriter, r *http.Request) {
		if !g.Ready() {
			apierr.New(http.StatusServiceUnavailable, "unavailable", "the gateway is not on the bus yet: try again").Write(w)
			return
		}
		g.ws.ServeHTTP(w, r)
	})
	mux.Handle("GET /metrics", g.metrics.Handler())
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		apierr.New(http.StatusNotFound, "not_found", "no endpoint "+r.Method+" "+r.URL.Path+" on a gateway: it serves /api/ws, /api/health and /metrics; the rest is the engine's").Write(w)
	})
	return auth.Require(g.cfg.Token, mux)
}

func (g *Gateway) health(w http.ResponseWriter, _ *http.Request) {
	status, body := http.StatusOK, map[string]any{"status": "ok", "uptime_s": int64(time.Since(g.started).Seconds())}
	if !g.Ready() {
		status, body = http.StatusServiceUnavailable, map[string]any{"status": "no bus"}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

// Close closes every socket with 1001 and leaves the bus, within ctx.
func (g *Gateway) Close(ctx context.Context) error {
	g.closeOnce.Do(func() { g.closeErr = g.close(ctx) })
	return g.closeErr
}

func (g *Gateway) close(ctx context.Context) error {
	wait := 5 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		wait = max(time.Until(dl), time.Second)
	}
	g.ready.Store(false)
	_, err := g.system.Root.RequestFuture(g.relay, hub.CloseAll{Disconnect: wsconn.DisconnectShutdown}, wait).Result()
	if werr := g.ws.Wait(ctx); werr != nil {
		err = errors.Join(err, werr)
	}
	g.ws.Close()
	g.stopChecks()
	g.bus.Close()
	g.system.Shutdown()
	return err
}
