// Package hub is the hub actor: the registry of live connections. It hands
// each event to every connection whose subscriptions let it through, encoding
// it once per dialect for all the connections that filter nothing.
package hub

import (
	"github.com/asynkron/protoactor-go/actor"

	"github.com/fetchd/fetchd/engine/task"
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
	Close(code int, reason string)
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

// Resubscribe installs a member's new subscription set, then sends it Then.
type Resubscribe struct {
	ID   uint64
	Subs task.Subscriptions // nil or empty: everything
	Then []task.Event
}

// CloseAll closes every connection with code and reason (answer: Closed).
type CloseAll struct {
	Code   int
	Reason string
}

// Closed answers CloseAll.
type Closed struct{ N int }

// Count asks how many connections are attached (answer: Counted).
type Count struct{}

// Counted answers Count.
type Counted struct{ N int }

type member struct {
	Member
	subs task.Subscriptions
}

// Hub is the actor.
type Hub struct {
	members map[uint64]*member
	closed  *CloseAll // once set, new members are closed at once
}

// Props spawns a hub.
func Props() *actor.Props {
	return actor.PropsFromProducer(func() actor.Actor { return &Hub{members: map[uint64]*member{}} })
}

// Receive handles the hub's messages.
func (h *Hub) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case Attach:
		if h.closed != nil {
			msg.Member.Outbox.Close(h.closed.Code, h.closed.Reason)
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
	case Count:
		ctx.Respond(Counted{N: len(h.members)})
	case CloseAll:
		h.closed = &msg
		for _, m := range h.members {
			m.Outbox.Close(msg.Code, msg.Reason)
		}
		ctx.Respond(Closed{N: len(h.members)})
	}
}

func (h *Hub) send(m *member, ev task.Event) {
	if f := m.Codec.Encode(ev, m.subs); f != nil {
		m.Outbox.Push(f)
	}
}

// broadcast encodes ev once per codec for the members that filter nothing;
// only members with subscriptions cost an encoding each.
func (h *Hub) broadcast(ev task.Event) {
	var shared map[Codec][]byte
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
		}
	}
}
