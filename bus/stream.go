package bus

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/rs/zerolog"

	"github.com/fetchd/fetchd/actors/hub"
	"github.com/fetchd/fetchd/engine/task"
	"github.com/fetchd/fetchd/wsconn"
)

// MaxPayload is the largest message the embedded server takes: a SYNC_ALL
// of tens of thousands of tasks is megabytes. An external server needs a
// max_payload this large for stores that big.
const MaxPayload = 64 << 20

// snapshotWithin bounds how long a snapshot request waits for the engine.
const snapshotWithin = 5 * time.Second

// StreamConfig says which bus an engine puts its stream on.
type StreamConfig struct {
	Listen string // HOST:PORT: run an embedded NATS server there
	URL    string // else: use this NATS server or cluster
	Log    zerolog.Logger
}

// Stream is the engine's end of the bus: a hub.Relay that publishes every
// broadcast once, as the frames the engine's sockets got, and the responder
// that answers gateways' snapshot requests.
type Stream struct {
	conn     *nats.Conn
	embedded *server.Server
	log      zerolog.Logger
	codecs   []hub.Codec
	last     atomic.Pointer[hub.Position]
	sub      *nats.Subscription
	ids      atomic.Uint64
	closed   sync.Once
	failing  atomic.Bool // publishing fails: logged once, until it works again
	n        uint64      // messages put on the bus; only Relay, on the hub's goroutine, touches it
}

// NewStream starts the embedded server when asked and connects to the bus.
// An external server that is down is retried in the background.
func NewStream(cfg StreamConfig) (*Stream, error) {
	s := &Stream{log: cfg.Log.With().Str("component", "bus").Logger()}
	tasks, events := wsconn.StreamCodec(), wsconn.Dialects()["events"]
	s.codecs = []hub.Codec{tasks, wsconn.Compress(tasks), events, wsconn.Compress(events)}
	url := cfg.URL
	opts := []nats.Option{nats.Name("fetchd engine"), reconnecting(),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) { s.log.Warn().Err(err).Msg("bus lost; reconnecting") }),
		nats.ReconnectHandler(func(c *nats.Conn) { s.log.Info().Str("url", c.ConnectedUrlRedacted()).Msg("bus reconnected") })}
	if cfg.Listen != "" {
		ns, err := StartServer(cfg.Listen)
		if err != nil {
			return nil, err
		}
		s.embedded, url = ns, ns.ClientURL()
		opts = append(opts, nats.InProcessServer(ns))
		s.log.Info().Str("addr", ns.Addr().String()).Msg("embedded NATS server listening")
	}
	conn, err := nats.Connect(url, opts...)
	if err != nil {
		s.shutdownServer()
		return nil, fmt.Errorf("bus %s: %w", Redacted(url), err)
	}
	s.conn = conn
	return s, nil
}

// StartServer runs a NATS server in this process on listen (HOST:PORT; port
// 0 picks a free one), sized for the stream's snapshots.
func StartServer(listen string) (*server.Server, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, fmt.Errorf("--nats-listen %q: want HOST:PORT: %w", listen, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p > 65535 {
		return nil, fmt.Errorf("--nats-listen %q: bad port", listen)
	}
	if p == 0 {
		p = server.RANDOM_PORT
	}
	ns, err := server.NewServer(&server.Options{Host: host, Port: p, MaxPayload: MaxPayload, NoSigs: true, NoLog: true})
	if err != nil {
		return nil, fmt.Errorf("embedded NATS server: %w", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return nil, fmt.Errorf("embedded NATS server: not listening on %s", listen)
	}
	return ns, nil
}

// Addr is the embedded server's address, or "" when the bus is external.
func (s *Stream) Addr() string {
	if s.embedded == nil {
		return ""
	}
	return s.embedded.Addr().String()
}

// Codecs implements hub.Relay: the bus's slots.
func (s *Stream) Codecs() []hub.Codec { return s.codecs }

// Relay implements hub.Relay: one publish per broadcast, without waiting.
func (s *Stream) Relay(ev task.Event, at hub.Position, numbered bool, frames [][]byte) {
	m := Message{At: at, Numbered: numbered, EventsKeys: wsconn.EventsKeys(ev)}
	copy(m.Frames[:], frames)
	if m.Frames[TasksPlain] == nil && m.Frames[EventsPlain] == nil {
		return // nothing for anyone: a gateway's position is unchanged
	}
	s.last.Store(&at)
	s.n++
	m.N = s.n
	err := s.conn.Publish(StreamSubject, m.Marshal())
	switch {
	case err != nil && !s.failing.Swap(true):
		s.log.Warn().Err(err).Uint64("seq", at.Seq).Msg("the stream is not getting on the bus: gateways will resync")
	case err == nil && s.failing.Swap(false):
		s.log.Info().Uint64("seq", at.Seq).Msg("the stream is on the bus again")
	}
}

// Serve answers gateways' snapshot requests: each is a SYNC_ALL taken the
// way a new connection of the engine takes its own, through the publisher,
// so it sits at an exact place in the stream.
func (s *Stream) Serve(root *actor.RootContext, publisher *actor.PID) error {
	sub, err := s.conn.Subscribe(SyncSubject, func(req *nats.Msg) {
		snap, err := s.snapshot(root, publisher)
		if err != nil {
			s.log.Warn().Err(err).Msg("snapshot for a gateway")
			return // the gateway asks again
		}
		if err := req.Respond(snap.Marshal()); err != nil {
			s.log.Warn().Err(err).Msg("snapshot for a gateway not sent")
		}
	})
	if err != nil {
		return fmt.Errorf("bus: %w", err)
	}
	s.sub = sub
	return nil
}

func (s *Stream) snapshot(root *actor.RootContext, publisher *actor.PID) (Snapshot, error) {
	id := 1<<63 | s.ids.Add(1) // apart from the sockets' ids
	c := &capture{got: make(chan []byte, 1)}
	root.Send(publisher, hub.Attach{Member: hub.Member{ID: id, Codec: wsconn.StreamCodec(), Outbox: c}})
	defer root.Send(publisher, hub.Detach{ID: id})
	select {
	case f := <-c.got:
		at, err := wsconn.SyncPosition(f)
		return Snapshot{At: at, Frame: f}, err
	case <-time.After(snapshotWithin):
		return Snapshot{}, errors.New("the engine took no snapshot in time")
	}
}

// capture is a member that takes its SYNC_ALL and nothing else.
type capture struct {
	got  chan []byte
	done atomic.Bool
}

func (c *capture) Push(f []byte) {
	if c.done.CompareAndSwap(false, true) {
		c.got <- f
	}
}
func (c *capture) Close(hub.Disconnect) { c.done.Store(true) }
func (c *capture) Closed() bool         { return c.done.Load() }

// Close tells the gateways that this epoch's stream ends, and leaves the bus.
func (s *Stream) Close() {
	s.closed.Do(func() {
		if s.sub != nil {
			s.sub.Unsubscribe()
		}
		end := Message{End: true}
		if at := s.last.Load(); at != nil {
			end.At = *at
		}
		s.conn.Publish(StreamSubject, end.Marshal())
		s.conn.FlushTimeout(2 * time.Second)
		s.conn.Close()
		s.shutdownServer()
	})
}

func (s *Stream) shutdownServer() {
	if s.embedded != nil {
		s.embedded.Shutdown()
		s.embedded.WaitForShutdown()
	}
}
