// Package hub is the hub actor: the registry of live connections. It hands
// each event to every connection whose subscriptions let it through, encoding
// it once per dialect for all the connections that filter nothing.
package hub

import (
	"github.com/asynkron/protoactor-go/actor"

	"github.com/fetchd/fetchd/engine/task"
	"github.com/fetchd/fetchd/engine/telemetry"
)

// Codec turns events into frames for one dialect. Encode returns nil when
// nothing of ev is for a connection with subs.
type Codec interface {
	Encode(ev task.Event, subs task.Subscriptions) []byte
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
// event that follows in the hub's mailbox.
type Attach struct {
	Member Member
	First  task.Event
}

// Detach forgets a member.
type Detach struct{ ID uint64 }

// Broadcast sends an event to every member that sees it.
type Broadcast struct{ Event task.Event }

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

// syncKey names one encoding of one snapshot.
type syncKey struct {
	codec   Codec
	version uint64
	initial bool
}

type member struct {
	Member
	subs task.Subscriptions
}

// Hub is the actor.
type Hub struct {
	members map[uint64]*member
	closed  *Disconnect // once set, new members are closed at once
	metrics *telemetry.Metrics
	syncs   map[syncKey][]byte // encoded snapshots for joiners, of the latest version
}

// Props spawns a hub that counts what it sends in metrics (which may be nil).
func Props(metrics *telemetry.Metrics) *actor.Props {
	return actor.PropsFromProducer(func() actor.Actor { return &Hub{members: map[uint64]*member{}, metrics: metrics} })
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
		h.members[m.ID] = m
		h.send(m, msg.First)
	case Detach:
		delete(h.members, msg.ID)
	case Broadcast:
		h.broadcast(msg.Event)
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
		f = m.Codec.Encode(ev, m.subs)
	}
	if f != nil {
		m.Outbox.Push(f)
		h.metrics.Sent(kind(ev), 1, len(f))
	}
}

func (h *Hub) sharedSync(c Codec, sync task.SyncAll) []byte {
	key := syncKey{codec: c, version: sync.Version, initial: sync.Initial}
	if f, ok := h.syncs[key]; ok {
		return f
	}
	for k := range h.syncs {
		if k.version != sync.Version {
			delete(h.syncs, k) // an older snapshot: nobody will get it again
		}
	}
	if h.syncs == nil {
		h.syncs = map[syncKey][]byte{}
	}
	f := c.Encode(sync, nil)
	h.syncs[key] = f
	return f
}

func closeDone(done chan struct{}) {
	if done != nil {
		close(done)
	}
}

// broadcast encodes ev once per codec for the members that filter nothing;
// only members with subscriptions cost an encoding each.
func (h *Hub) broadcast(ev task.Event) {
	var shared map[Codec][]byte
	sharedPushes := map[Codec]int{}
	defer func() {
		for c, n := range sharedPushes {
			h.metrics.Sent(kind(ev), n, len(shared[c]))
		}
	}()
	for _, m := range h.members {
		if len(m.subs) > 0 {
			h.send(m, ev)
			continue
		}
		f, ok := shared[m.Codec]
		if !ok {
			if shared == nil {
				shared = make(map[Codec][]byte, 2)
			}
			f = m.Codec.Encode(ev, nil)
			shared[m.Codec] = f
		}
		if f != nil {
			m.Outbox.Push(f)
			sharedPushes[m.Codec]++
		}
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
