package wsconn

import (
	"errors"
	"io"
	"maps"
	"math"
	"net"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/gorilla/websocket"
	"github.com/rs/zerolog"
	"golang.org/x/time/rate"

	"github.com/fetchd/fetchd/actors/hub"
	"github.com/fetchd/fetchd/engine/task"
	"github.com/fetchd/fetchd/engine/telemetry"
)

// connActor owns one socket: its subscription set, its outbox (drained by the
// server's shared writers), and a reader goroutine that turns frames into
// messages to the actor. The actor itself never touches the socket.
type connActor struct {
	id        uint64
	ws        *websocket.Conn
	out       *outbox
	codec     hub.Codec
	since     *hub.Position       // where a resuming client left the stream
	answer    func([]byte) []byte // an RPC dialect's calls; nil: subscriptions
	subs      task.Subscriptions
	publisher *actor.PID
	limits    Limits
	log       zerolog.Logger
	onStop    func()
	metrics   *telemetry.Metrics

	readerDone chan struct{}
	sidesEnded int           // the reader and the writer: the actor stops at 2
	emptying   *rate.Limiter // changes that empty the set, each answered by a full SYNC_ALL
	stopped    atomic.Bool   // set at Stopping; read by the ping timer
	ping       *time.Timer
	root       *actor.RootContext
	self       *actor.PID
}

type (
	// inbound is a client message; done is closed once it has been answered,
	// and the reader reads nothing more until then.
	inbound struct {
		raw  []byte
		done chan struct{}
	}
	// ended is the reader or the writer being done with the socket.
	ended struct{}
)

// handledWithin bounds how long the reader waits for a message's answer.
const handledWithin = 10 * time.Second

func (c *connActor) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		c.root, c.self = ctx.ActorSystem().Root, ctx.Self()
		// Attached before anything the client says is read: a call's change
		// (aria2's addUri) then comes after this connection's SYNC_ALL.
		ctx.Send(c.publisher, hub.Attach{Member: hub.Member{ID: c.id, Codec: c.codec, Outbox: c.out}, Since: c.since})
		go c.read(c.root, c.self)
		// Armed once c.ping is set: pingNow reads it.
		c.ping = time.AfterFunc(time.Duration(math.MaxInt64), c.pingNow)
		c.ping.Reset(c.limits.PingEvery)
		c.metrics.Connected(+1)
		c.log.Debug().Str("remote", c.ws.RemoteAddr().String()).Msg("connection opened")
	case inbound:
		c.handle(ctx, msg.raw, msg.done)
	case ended:
		if c.sidesEnded++; c.sidesEnded == 2 {
			ctx.Stop(ctx.Self())
		}
	case *actor.Stopping:
		c.stopped.Store(true)
		c.ping.Stop()
		ctx.Send(c.publisher, hub.Detach{ID: c.id})
		c.metrics.Connected(-1)
		c.log.Debug().Msg("connection closed")
		c.onStop()
	}
}

// handle answers a client message: an error, or a subscription change. Both
// pass through the publisher, so they take their place in the one stream.
func (c *connActor) handle(ctx actor.Context, raw []byte, done chan struct{}) {
	req, err := parseRequest(raw)
	if err == nil && req.subscribe && len(c.subs) >= MaxSubscriptions {
		if _, has := c.subs[req.downloadID]; !has {
			err = errTooManySubscriptions
		}
	}
	if err == nil && !req.subscribe && len(c.subs) == 1 && c.subs.Has(req.downloadID) && !c.emptying.Allow() {
		// A few bytes that empty the set cost a SYNC_ALL of every task.
		err = errEmptyingTooFast
	}
	if err != nil {
		ctx.Send(c.publisher, hub.Unicast{ID: c.id, Event: task.ErrorEvent{Message: err.Error()}, Done: done})
		return
	}
	subs := maps.Clone(c.subs) // the hub keeps the old set until it is told
	if subs == nil {
		subs = task.Subscriptions{}
	}
	if req.subscribe {
		subs[req.downloadID] = struct{}{}
	} else {
		delete(subs, req.downloadID)
	}
	c.subs = subs
	ctx.Send(c.publisher, hub.Resubscribe{
		ID:   c.id,
		Subs: subs,
		Then: []task.Event{task.SubscriptionAck{Subscribed: req.subscribe, ID: req.downloadID}},
		Done: done,
	})
}

// read turns client frames into messages to the actor. Reading a message
// stops at the size limit, so a huge frame costs no more memory than that.
func (c *connActor) read(root *actor.RootContext, self *actor.PID) {
	defer root.Send(self, ended{})
	defer close(c.readerDone)
	alive := func() { c.ws.SetReadDeadline(time.Now().Add(c.limits.PongWait)) }
	alive()
	c.ws.SetPongHandler(func(string) error { alive(); return nil })
	c.ws.SetPingHandler(func(data string) error {
		c.out.pushPong(controlFrame(opPong, []byte(data)))
		return nil
	})
	c.ws.SetCloseHandler(func(code int, _ string) error {
		if code == websocket.CloseNoStatusReceived {
			code = websocket.CloseNormalClosure
		}
		c.out.Close(hub.Disconnect{Code: code})
		return nil
	})
	c.ws.SetReadLimit(int64(c.limits.MaxMessage)) // checked at each frame's header
	for {
		kind, r, err := c.ws.NextReader()
		if err != nil {
			c.closeAfter(err)
			return
		}
		// The limit gorilla checks is on the frames as sent; a compressed
		// message is also held to it once inflated, or a few KiB could
		// inflate to gigabytes.
		raw, err := io.ReadAll(io.LimitReader(r, int64(c.limits.MaxMessage)+1))
		if err != nil {
			c.closeAfter(err)
			return
		}
		if len(raw) > c.limits.MaxMessage {
			c.log.Info().Msg("client message over the limit once inflated: closed with 1009")
			c.out.Close(disconnectTooBig)
			return
		}
		alive()
		if kind != websocket.TextMessage {
			raw = nil // not JSON, so the actor answers with an error
		}
		if c.answer != nil { // calls wait for their answers, as subscriptions do
			if reply := c.answer(raw); reply != nil {
				c.out.Push(textFrame(reply))
			}
			continue
		}
		// One message at a time: a client that floods the socket waits for
		// its own answers, and everyone else's updates go on between them.
		done := make(chan struct{})
		root.Send(self, inbound{raw: raw, done: done})
		select {
		case <-done:
		case <-time.After(handledWithin):
		}
	}
}

// closeAfter ends the connection after the reader failed, with one close
// frame at most: gorilla has sent its own for a frame it refused (1002) or
// one over the size limit (1009); a client's close is answered by the close
// handler; a socket that is gone gets the normal one, which may not arrive.
func (c *connActor) closeAfter(err error) {
	var ce *websocket.CloseError
	var ne net.Error
	switch {
	case errors.As(err, &ce):
		c.out.Close(hub.Disconnect{Code: websocket.CloseNormalClosure}) // a no-op once the handler answered
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.As(err, &ne):
		if ne != nil && ne.Timeout() {
			// Usually a client so far behind that it has not read our ping yet.
			c.log.Info().Dur("pong_wait", c.limits.PongWait).Msg("no pong: connection dropped")
		}
		c.out.Close(hub.Disconnect{Code: websocket.CloseNormalClosure})
	default:
		if errors.Is(err, websocket.ErrReadLimit) {
			c.log.Info().Msg("client message over the limit: closed with 1009")
		}
		c.out.CloseQuietly()
	}
}

// pingNow queues a ping and arms the next one, unless the actor is stopping:
// a ping that fired as it stopped must not re-arm the timer for good.
func (c *connActor) pingNow() {
	if c.stopped.Load() {
		return
	}
	c.out.pushPing()
	c.ping.Reset(c.limits.PingEvery)
}

// writerDone is the outbox telling the actor its socket is closed.
func (c *connActor) writerDone() {
	switch {
	case c.out.overflowed():
		c.metrics.SlowConsumer()
		c.log.Warn().Int("queue_limit", c.limits.QueueBytes).Msg("slow consumer: closed with 4008")
	case c.out.stalledOut():
		c.log.Warn().Dur("write_wait", c.limits.WriteWait).Msg("socket took nothing: connection dropped")
	}
	c.root.Send(c.self, ended{})
}
