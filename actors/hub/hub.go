// Package hub is the hub actor: the registry of live connections. It hands
// each event to every connection whose subscriptions let it through, encoding
// it once per dialect for all the connections that filter nothing.
package hub

import (
	"crypto/rand"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/fetchd/fetchd/engine/task"
	"github.com/fetchd/fetchd/engine/telemetry"
)

// Codec turns events into frames for one dialect. Encode returns nil when
// nothing of ev is for a connection with subs; at is the event's place in
// the stream (for a message to one connection, the last stream message it
// follows).
type Codec interface {
	Encode(ev task.Event, at Position, subs task.Subscriptions) []byte
}

// Derived is a codec whose frames are made from another codec's frames
// (compression): the hub encodes the base once and derives from that. ev is
// the event the frame encodes, nil for a frame kept for resumes.
type Derived interface {
	Codec
	Base() Codec
	Derive(ev task.Event, frame []byte) []byte
}

// Relay is handed every broadcast as the hub encoded it for the members that
// filter nothing, in Codecs' order (nil where a codec has nothing for it), with
// its place in the stream: numbered says the stream codec gave it the next
// seq. It runs on the hub's goroutine and must not block.
type Relay interface {
	Codecs() []Codec
	Relay(ev task.Event, at Position, numbered bool, frames [][]byte)
}

// Outbox is a connection's bounded outbound queue. Push never blocks: when
// the queue is full the connection closes itself as a slow consumer.
type Outbox interface {
	Push(frame []byte)
	Close(d Disconnect)
	Closed() bool // closing or closed: nothing more is worth encoding for it
}

// Member is one connection as the hub sees it.
type Member struct {
	ID     uint64
	Codec  Codec
	Outbox Outbox
}

// Attach registers a member and sends it First (its SYNC_ALL), before any
// event that follows in the hub's mailbox; or, when Since is a position the
// hub still holds the stream after, every message after it instead. An
// Attach without First that cannot resume is answered with Unresumed and
// registers nothing: its sender fetches a snapshot and attaches again.
type Attach struct {
	Member Member
	First  task.Event
	Since  *Position
	// FirstAt, when set, is First's place in the stream, behind the hub's:
	// the hub sends First and then the frames after it, and answers
	// Resumed, or Unresumed when it no longer holds them (a gateway's
	// snapshot that the stream overtook on its way).
	FirstAt *Position
}

// Unresumed answers an Attach without First whose Since the hub cannot serve.
type Unresumed struct{ Attach Attach }

// Resumed answers an Attach without First that the hub resumed.
type Resumed struct{ ID uint64 }

// Detach forgets a member.
type Detach struct{ ID uint64 }

// Broadcast sends an event to every member that sees it. At, when set, is
// its place in a stream numbered upstream (a gateway relaying an engine's
// stream): the hub takes it instead of counting, and a new epoch empties
// what it kept for resumes.
type Broadcast struct {
	Event task.Event
	At    *Position
}

// Resubscribe installs a member's new subscription set, then sends it Then;
// Done, when set, is closed once that is queued.
type Resubscribe struct {
	ID   uint64
	Subs task.Subscriptions // nil or empty: everything
	Then []task.Event
	Done chan struct{}
}

// Unicast sends one member an event in its place in the stream; Done, when
// set, is closed once it is queued.
type Unicast struct {
	ID    uint64
	Event task.Event
	Done  chan struct{}
}

// Disconnect is why the server closes a connection: the close frame's code
// and reason.
type Disconnect struct {
	Code   int
	Reason string
}

// CloseAll closes every connection with Disconnect (answer: Closed).
type CloseAll struct{ Disconnect Disconnect }

// Closed answers CloseAll.
type Closed struct{ N int }

// Count asks how many connections are attached (answer: Counted).
type Count struct{}

// Counted answers Count.
type Counted struct{ N int }

// syncKey names one encoding of one snapshot at one place in the stream.
type syncKey struct {
	codec   Codec
	version uint64
	seq     uint64
	initial bool
}

type member struct {
	Member
	subs task.Subscriptions
}

// Config is what a hub is made of.
type Config struct {
	Metrics *telemetry.Metrics // may be nil
	// Stream is the codec whose messages are numbered and kept for clients
	// that resume (the tasks dialect); nil numbers nothing.
	Stream Codec
	Replay ReplayLimits // zero: DefaultReplayLimits
	Relay  Relay        // may be nil
	// Start is where the stream stands when the hub starts: a gateway's
	// hub starts at the engine's snapshot. Nil: a new epoch at seq 0.
	Start *Position
}

// Hub is the actor.
type Hub struct {
	members map[uint64]*member
	closed  *Disconnect // once set, new members are closed at once
	metrics *telemetry.Metrics
	syncs   map[syncKey][]byte // encoded snapshots for joiners, of the latest version
	stream  Codec
	at      Position // the last message of the stream
	replay  replay
	relay   Relay
}

// Props spawns a hub.
func Props(cfg Config) *actor.Props {
	if cfg.Replay == (ReplayLimits{}) {
		cfg.Replay = DefaultReplayLimits()
	}
	return actor.PropsFromProducer(func() actor.Actor {
		at := Position{Epoch: newEpoch()}
		if cfg.Start != nil {
			at = *cfg.Start
		}
		return &Hub{members: map[uint64]*member{}, metrics: cfg.Metrics, stream: cfg.Stream,
			at: at, replay: replay{limits: cfg.Replay}, relay: cfg.Relay}
	})
}

// newEpoch names this run of the server: a client's position from another
// run is never taken for one of this run.
func newEpoch() string {
	return rand.Text()[:16] // letters and digits, 80 bits
}

// Receive handles the hub's messages.
func (h *Hub) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case Attach:
		if h.closed != nil {
			msg.Member.Outbox.Close(*h.closed)
			return
		}
		m := &member{Member: msg.Member}
		switch {
		case msg.FirstAt != nil:
			missed, ok := h.missedAfter(m, *msg.FirstAt)
			if !ok {
				ctx.Respond(Unresumed{Attach: msg})
				return
			}
			h.send(m, msg.First)
			h.push(m, missed)
			ctx.Respond(Resumed{ID: m.ID})
		case msg.Since != nil && h.resume(m, *msg.Since):
			if msg.First == nil {
				ctx.Respond(Resumed{ID: m.ID})
			}
		case msg.First == nil:
			ctx.Respond(Unresumed{Attach: msg})
			return
		default:
			h.send(m, msg.First)
		}
		h.members[m.ID] = m
	case Detach:
		delete(h.members, msg.ID)
	case Broadcast:
		h.broadcast(msg.Event, msg.At)
	case Resubscribe:
		if m, ok := h.members[msg.ID]; ok {
			m.subs = msg.Subs
			for _, ev := range msg.Then {
				h.send(m, ev)
			}
		}
		closeDone(msg.Done)
	case Unicast:
		if m, ok := h.members[msg.ID]; ok {
			h.send(m, msg.Event)
		}
		closeDone(msg.Done)
	case Count:
		ctx.Respond(Counted{N: len(h.members)})
	case CloseAll:
		h.closed = &msg.Disconnect
		for _, m := range h.members {
			m.Outbox.Close(msg.Disconnect)
		}
		ctx.Respond(Closed{N: len(h.members)})
	}
}

// send encodes ev for one member. A snapshot for a member that filters
// nothing is the same for every such member until the publisher takes a new
// one, so it is encoded once per dialect.
func (h *Hub) send(m *member, ev task.Event) {
	if m.Outbox.Closed() {
		return
	}
	var f []byte
	if sync, ok := ev.(task.SyncAll); ok && len(m.subs) == 0 {
		f = h.sharedSync(m.Codec, sync)
	} else {
		f = encode(m.Codec, ev, h.at, m.subs)
	}
	if f != nil {
		m.Outbox.Push(f)
		h.metrics.Sent(kind(ev), 1, len(f))
	}
}

func (h *Hub) sharedSync(c Codec, sync task.SyncAll) []byte {
	key := syncKey{codec: c, version: sync.Version, seq: h.at.Seq, initial: sync.Initial}
	if f, ok := h.syncs[key]; ok {
		return f
	}
	for k := range h.syncs {
		if k.version != sync.Version || k.seq != h.at.Seq {
			delete(h.syncs, k) // an older snapshot: nobody will get it again
		}
	}
	if h.syncs == nil {
		h.syncs = map[syncKey][]byte{}
	}
	var f []byte
	if d, ok := c.(Derived); ok { // compressed from the shared plain snapshot, not encoded again
		if base := h.sharedSync(d.Base(), sync); base != nil {
			f = d.Derive(sync, base)
		}
	} else {
		f = c.Encode(sync, h.at, nil)
	}
	h.syncs[key] = f
	return f
}

func closeDone(done chan struct{}) {
	if done != nil {
		close(done)
	}
}

// broadcast numbers ev when it is a message of the stream, keeps its frame
// for clients that resume, and encodes it once per codec for the members
// that filter nothing; only members with subscriptions cost an encoding each.
func (h *Hub) broadcast(ev task.Event, at *Position) {
	shared := make(map[Codec][]byte, 4)
	var kept *replayed
	if h.stream != nil {
		next := Position{Epoch: h.at.Epoch, Seq: h.at.Seq + 1}
		if at != nil {
			next = *at
		}
		if f := h.stream.Encode(ev, next, nil); f != nil {
			if next.Epoch != h.at.Epoch {
				h.replay = replay{limits: h.replay.limits}
			}
			h.at = next
			shared[h.stream] = f
			kept = h.replay.add(next.Seq, f, time.Now())
		}
	}
	sharedPushes := map[Codec]int{}
	for _, m := range h.members {
		if len(m.subs) > 0 {
			h.send(m, ev)
			continue
		}
		f := h.sharedFrame(m.Codec, ev, shared)
		if f != nil {
			m.Outbox.Push(f)
			sharedPushes[m.Codec]++
		}
	}
	for c, n := range sharedPushes {
		h.metrics.Sent(kind(ev), n, len(shared[c]))
		if d, ok := c.(Derived); ok && kept != nil && d.Base() == h.stream {
			kept.keepDerived(c, shared[c], &h.replay)
		}
	}
	if h.relay != nil {
		codecs := h.relay.Codecs()
		frames := make([][]byte, len(codecs))
		for i, c := range codecs {
			frames[i] = h.sharedFrame(c, ev, shared)
		}
		h.relay.Relay(ev, h.at, kept != nil, frames)
	}
}

// sharedFrame is ev as codec c sends it to members that filter nothing,
// encoded (or derived from its base's frame) once per broadcast.
func (h *Hub) sharedFrame(c Codec, ev task.Event, shared map[Codec][]byte) []byte {
	if f, ok := shared[c]; ok {
		return f
	}
	var f []byte
	if d, ok := c.(Derived); ok {
		if base := h.sharedFrame(d.Base(), ev, shared); base != nil {
			f = d.Derive(ev, base)
		}
	} else {
		f = c.Encode(ev, h.at, nil)
	}
	shared[c] = f
	return f
}

// encode is ev for one member's codec and subscriptions.
func encode(c Codec, ev task.Event, at Position, subs task.Subscriptions) []byte {
	if d, ok := c.(Derived); ok {
		if base := d.Base().Encode(ev, at, subs); base != nil {
			return d.Derive(ev, base)
		}
		return nil
	}
	return c.Encode(ev, at, subs)
}

// resume sends a member every message of the stream after since, in place
// of its SYNC_ALL, when the hub still holds them all and the member's codec
// can send them; it reports whether it did.
func (h *Hub) resume(m *member, since Position) bool {
	missed, ok := h.missedAfter(m, since)
	if ok {
		h.push(m, missed)
	}
	return ok
}

// missedAfter is every frame of the stream after since in m's codec, when
// the hub still holds them all.
func (h *Hub) missedAfter(m *member, since Position) ([][]byte, bool) {
	if h.stream == nil || since.Epoch != h.at.Epoch {
		return nil, false
	}
	missed, ok := h.replay.after(since.Seq, h.at.Seq)
	if !ok {
		return nil, false
	}
	frames := make([][]byte, 0, len(missed))
	for i := range missed {
		f, ok := h.replay.frameFor(&missed[i], m.Codec, h.stream)
		if !ok {
			return nil, false
		}
		frames = append(frames, f)
	}
	return frames, true
}

func (h *Hub) push(m *member, frames [][]byte) {
	for _, f := range frames {
		m.Outbox.Push(f)
		h.metrics.Sent("replayed", 1, len(f))
	}
}

// kind names an event for the metrics.
func kind(ev task.Event) string {
	switch ev.(type) {
	case task.SyncAll:
		return "sync_all"
	case task.TaskAdded:
		return "task_added"
	case task.TaskUpdated:
		return "task_updated"
	case task.TaskBatch:
		return "task_batch_update"
	case task.TaskRemoved:
		return "task_removed"
	case task.EngineStats:
		return "engine_stats"
	case task.SubscriptionAck:
		return "subscription_ack"
	case task.ErrorEvent:
		return "error"
	case task.LibraryAdded, task.LibraryUpdated, task.LibraryRemoved:
		return "library"
	default:
		return "download"
	}
}
