package gateway

import (
	"github.com/fetchd/fetchd/actors/hub"
	"github.com/fetchd/fetchd/bus"
	"github.com/fetchd/fetchd/engine/task"
	"github.com/fetchd/fetchd/wsconn"
)

// relayedMessage is one message of the engine's stream as the bus carried it.
// Only the gateway's hub goroutine touches it once it is broadcast.
type relayedMessage struct {
	task.Foreign
	bus.Message
	tasks *cut // the tasks frame cut at its tasks, for subscribed connections
}

// snapshot is a SYNC_ALL the engine encoded at a place in the stream, given
// to a joining connection (initial) or after a subscription change.
type snapshot struct {
	task.Foreign
	*syncFrame
	initial bool
}

// syncFrame is one snapshot, shared by every connection that gets it.
type syncFrame struct {
	bus.Snapshot
	compressed []byte // derived once for every connection that negotiated compression
	tasks      *cut
}

// relayed is a dialect whose frames come from the engine: a gateway sends
// them as they are, or spliced from the same bytes for a connection with
// subscriptions, and encodes only what it says itself (acks, errors).
type relayed struct{ events bool }

var (
	tasksDialect  = relayed{}
	eventsDialect = relayed{events: true}
)

// codecs are the gateway's dialects by their ?protocol= name.
func codecs() map[string]hub.Codec {
	return map[string]hub.Codec{"": tasksDialect, "tasks": tasksDialect, "events": eventsDialect}
}

func (c relayed) slot() int {
	if c.events {
		return bus.EventsPlain
	}
	return bus.TasksPlain
}

// own is the dialect as the engine encodes it, for the gateway's own messages.
func (c relayed) own() hub.Codec {
	if c.events {
		return engineEvents
	}
	return engineTasks
}

var engineTasks, engineEvents = wsconn.StreamCodec(), wsconn.Dialects()["events"]

// Encode implements hub.Codec.
func (c relayed) Encode(ev task.Event, at hub.Position, subs task.Subscriptions) []byte {
	switch e := ev.(type) {
	case *relayedMessage:
		f := e.Frames[c.slot()]
		if f == nil || len(subs) == 0 {
			return f
		}
		if c.events {
			return seenEvents(f, e.EventsKeys, subs)
		}
		if e.tasks == nil {
			e.tasks = cutTasks(f)
		}
		return e.tasks.seen(subs)
	case snapshot:
		if c.events { // the events dialect's "connect": nothing of the snapshot
			return c.own().Encode(task.SyncAll{Initial: e.initial}, at, subs)
		}
		if len(subs) == 0 {
			return e.Frame
		}
		if e.tasks == nil {
			e.tasks = cutTasks(e.Frame)
		}
		return e.tasks.seen(subs)
	}
	return c.own().Encode(ev, at, subs)
}

// Compressed implements wsconn.Compressible: the engine's compressed frames
// where it made them.
func (c relayed) Compressed() hub.Codec { return compressed{base: c} }

type compressed struct{ base relayed }

func (c compressed) Base() hub.Codec { return c.base }

func (c compressed) Encode(ev task.Event, at hub.Position, subs task.Subscriptions) []byte {
	if f := c.base.Encode(ev, at, subs); f != nil {
		return c.Derive(ev, f)
	}
	return nil
}

// Derive implements hub.Derived: the bus's compressed frame of a message
// that is sent whole, a snapshot's compressed once, anything else deflated
// here.
func (c compressed) Derive(ev task.Event, frame []byte) []byte {
	switch e := ev.(type) {
	case *relayedMessage:
		if same(frame, e.Frames[c.base.slot()]) && e.Frames[c.base.slot()+1] != nil {
			return e.Frames[c.base.slot()+1]
		}
	case snapshot:
		if same(frame, e.Frame) {
			if e.compressed == nil {
				e.compressed = wsconn.Compress(c.base).Derive(ev, frame)
			}
			return e.compressed
		}
	}
	return wsconn.Compress(c.base).Derive(ev, frame)
}

// same reports whether a and b are the one frame, not merely equal bytes.
func same(a, b []byte) bool {
	return len(a) > 0 && len(a) == len(b) && &a[0] == &b[0]
}
