package wsconn

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/gorilla/websocket"
	"github.com/rs/zerolog"
	"golang.org/x/time/rate"

	"github.com/fetchd/fetchd/actors/hub"
	"github.com/fetchd/fetchd/engine/apierr"
	"github.com/fetchd/fetchd/engine/telemetry"
)

// Limits are the connection rules of PROTOCOL.md.
type Limits struct {
	MaxMessage int           // a bigger client message closes with 1009
	QueueBytes int           // outbound bytes queued before 4008
	PingEvery  time.Duration // server pings
	PongWait   time.Duration // silence before the connection is dropped
	WriteWait  time.Duration // a write, or a close frame, may take this long
	// ReaderGrace: a connection whose queue is past QueueBytes is closed as
	// a slow consumer once its socket has taken nothing this long. Until
	// then a client that reads gets its burst (up to 16 times QueueBytes):
	// a 10,000-item batch is 10,000 TASK_ADDED at once.
	ReaderGrace time.Duration
	// SocketBuffer is the kernel send buffer of a connection. Left to
	// autotuning it grows to megabytes, which hides a slow consumer behind
	// the queue limit and costs memory per connection.
	SocketBuffer int
}

// DefaultLimits are PROTOCOL.md's numbers.
func DefaultLimits() Limits {
	return Limits{MaxMessage: 64 << 10, QueueBytes: 1 << 20, PingEvery: 30 * time.Second, PongWait: 60 * time.Second, WriteWait: 10 * time.Second, ReaderGrace: 2 * time.Second, SocketBuffer: 128 << 10}
}

// Config is what the server needs from the engine.
type Config struct {
	System         *actor.ActorSystem
	Publisher      *actor.PID
	AllowedOrigins []string // besides the page's own host; "*" allows any
	Limits         Limits
	Log            zerolog.Logger
	Metrics        *telemetry.Metrics // may be nil
	// Codecs are the dialects by their ?protocol= name; nil: Dialects().
	// A codec that is a Compressible makes its own compressed variant.
	Codecs map[string]hub.Codec
}

// Compressible is a codec that knows its compressed variant better than the
// server's generic one (a gateway has the engine's compressed frames).
type Compressible interface {
	Compressed() hub.Codec
}

// Dialects are the server's codecs by their ?protocol= name.
func Dialects() map[string]hub.Codec {
	return map[string]hub.Codec{"": tasksCodec{}, "tasks": tasksCodec{}, "events": eventsCodec{}}
}

// Compress is c's generic compressed variant: permessage-deflate of each of
// its frames of 1 KiB or more.
func Compress(c hub.Codec) hub.Derived { return deflated{base: c} }

// Server upgrades requests to connections and keeps count of them.
type Server struct {
	cfg      Config
	log      zerolog.Logger
	upgrader websocket.Upgrader
	rpcUp    websocket.Upgrader // for RPC dialects, whose origins the caller vetted
	codecs   map[string]hub.Codec
	nextID   atomic.Uint64
	mu       sync.Mutex // orders new connections against a shutdown's Wait
	closing  bool
	open     map[uint64]*outbox // every connection, for CloseAll: the hub may be the actor that failed
	live     sync.WaitGroup
	writers  *writerPool
}

// NewServer builds the WebSocket endpoint.
func NewServer(cfg Config) *Server {
	s := &Server{
		cfg:    cfg,
		open:   map[uint64]*outbox{},
		log:    cfg.Log.With().Str("component", "ws").Logger(),
		codecs: cfg.Codecs,
		// A few writers serve every socket; a full socket never holds one.
		writers: newWriterPool(max(2, runtime.GOMAXPROCS(0)), 10*time.Millisecond),
	}
	if s.codecs == nil {
		s.codecs = Dialects()
	}
	s.upgrader = websocket.Upgrader{
		ReadBufferSize:    1024,
		EnableCompression: true,         // permessage-deflate, no context takeover; see offersDeflate
		WriteBufferPool:   &sync.Pool{}, // gorilla writes only a rare protocol-error close
		CheckOrigin:       s.checkOrigin,
		Error: func(w http.ResponseWriter, r *http.Request, status int, reason error) {
			code := "bad_request"
			if status == http.StatusForbidden {
				code = "forbidden"
			}
			apierr.New(status, code, reason.Error()).Write(w)
		},
	}
	s.rpcUp = s.upgrader
	s.rpcUp.CheckOrigin = func(*http.Request) bool { return true }
	return s
}

// ServeHTTP upgrades GET /api/ws; ?protocol= chooses the dialect.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	protocol := r.URL.Query().Get("protocol")
	codec, ok := s.codecs[protocol]
	if !ok {
		apierr.New(http.StatusBadRequest, "bad_request", "unknown protocol "+strconv.Quote(protocol)+": use tasks or events").Write(w)
		return
	}
	s.serve(w, r, &s.upgrader, s.cfg.Limits, codec, nil)
}

// serve upgrades r and starts its connection actor; answer, when set, answers
// each client message instead of the subscription requests.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, up *websocket.Upgrader, limits Limits, codec hub.Codec, answer func([]byte) []byte) {
	// Counted before the upgrade answers: once the client has its 101, a
	// shutdown must already wait for this connection.
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		apierr.New(http.StatusServiceUnavailable, "unavailable", "the server is shutting down").Write(w)
		return
	}
	s.live.Add(1)
	s.mu.Unlock()
	// The server alone decides on compression; the upgrader is shown the
	// plain offer so that it agrees (and reads compressed client frames).
	if offersDeflate(r.Header) {
		r.Header.Set("Sec-WebSocket-Extensions", "permessage-deflate")
		if c, ok := codec.(Compressible); ok {
			codec = c.Compressed()
		} else {
			codec = deflated{base: codec}
		}
	} else {
		r.Header.Del("Sec-WebSocket-Extensions")
	}
	ws, err := up.Upgrade(w, r, nil)
	if err != nil {
		s.live.Done()
		return // the upgrader has answered
	}
	if tcp, ok := ws.NetConn().(*net.TCPConn); ok && limits.SocketBuffer > 0 {
		tcp.SetWriteBuffer(limits.SocketBuffer)
	}
	id := s.nextID.Add(1)
	c := &connActor{
		id:         id,
		since:      parseSince(r.URL.Query().Get("since")),
		ws:         ws,
		codec:      codec,
		answer:     answer,
		publisher:  s.cfg.Publisher,
		limits:     limits,
		log:        s.log.With().Uint64("conn_id", id).Logger(),
		onStop:     func() { s.forget(id) },
		metrics:    s.cfg.Metrics,
		readerDone: make(chan struct{}),
		emptying:   rate.NewLimiter(emptyingRate, emptyingBurst),
	}
	c.out = newOutbox(ws.NetConn(), s.writers, limits, c.readerDone, c.writerDone)
	s.mu.Lock()
	s.open[id] = c.out
	s.mu.Unlock()
	s.cfg.System.Root.SpawnPrefix(actor.PropsFromProducer(func() actor.Actor { return c }), "conn-")
}

// forget is a connection's last act.
func (s *Server) forget(id uint64) {
	s.mu.Lock()
	delete(s.open, id)
	s.mu.Unlock()
	s.live.Done()
}

// CloseAll closes every connection with d without the hub's help, and takes
// no new one; it returns how many it closed.
func (s *Server) CloseAll(d hub.Disconnect) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closing = true
	for _, o := range s.open {
		o.Close(d)
	}
	return len(s.open)
}

// Close stops the writers once the connections are gone.
func (s *Server) Close() { s.writers.stop() }

// Wait blocks until every connection has closed, or ctx is done.
func (s *Server) Wait(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true // no connection starts after this
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.live.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return errors.New("connections still open")
	}
}

// checkOrigin lets in clients that send no Origin (scripts, the CLI), pages
// from the daemon's own host, and the origins the operator allowed.
func (s *Server) checkOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	return slices.ContainsFunc(s.cfg.AllowedOrigins, func(a string) bool {
		return a == "*" || strings.EqualFold(strings.TrimRight(a, "/"), origin)
	})
}

// A connection may empty its subscription set this often (each time it is
// sent every task), after a burst.
const (
	emptyingRate  = 2 // per second
	emptyingBurst = 10
)

var errEmptyingTooFast = errors.New("too many subscription changes that empty the set, each answered by a SYNC_ALL of every task: at most " + strconv.Itoa(emptyingRate) + " a second")

var errTooManySubscriptions = errors.New("too many subscriptions: at most " + strconv.Itoa(MaxSubscriptions) + " per connection")
