package gateway

import (
	"errors"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/fetchd/fetchd/actors/hub"
)

// Why a gateway closes its sockets: each tells clients to come back.
var (
	lostBus       = hub.Disconnect{Code: 1012, Reason: "the gateway lost the bus"}
	lostStream    = hub.Disconnect{Code: 1012, Reason: "the gateway missed part of the stream"}
	engineStopped = hub.Disconnect{Code: 1012, Reason: "the engine stopped"}
	engineSilent  = hub.Disconnect{Code: 1012, Reason: "the engine went silent"}
	newEngineRun  = hub.Disconnect{Code: 1012, Reason: "the engine restarted"}
	noStream      = hub.Disconnect{Code: 1012, Reason: "the gateway has no stream yet"}
)

type (
	busUp       struct{}
	busDown     struct{}
	snapshotted struct {
		gen  int // the relay's generation it was asked in
		snap *syncFrame
		err  error
	}
	checkLive struct{}
)

var errHubFailed = errors.New("the gateway's hub failed")

// maxEarly bounds the messages kept while the first snapshot is on its way.
const maxEarly = 1 << 14

// relayActor is what a gateway's connections take for the engine's
// publisher: it feeds its hub the bus's stream in order, and fills joins and
// subscription changes with snapshots of the engine at the hub's exact
// place in the stream. Any break in the stream (the bus lost, a message
// missed, the engine stopped, restarted or silent) closes every socket with
// 1012 and starts a new hub once a snapshot places it again: never a stale
// stream.
type relayActor struct {
	spawnHub func(ctx actor.Context, at hub.Position) *actor.PID
	ask      func(gen int) // a snapshot request; the answer comes as snapshotted
	ready    func(bool)    // whether upgrades are taken
	failed   func(error)   // the hub died: the gateway stops
	log      zerolog.Logger
	backoff  func(n int) time.Duration
	// silence is how long a stream may say nothing before the engine is
	// taken for gone (it sends ENGINE_STATS every few seconds); a crashed
	// engine behind an external bus sends no goodbye.
	silence time.Duration

	gen     int // bumped at every reset: answers to older requests are stale
	up      bool
	hub     *actor.PID // nil until a snapshot places the stream
	at      hub.Position
	lastN   uint64 // the bus's count of the last message applied; 0: none yet
	heard   time.Time
	early   []*relayedMessage // what came before the first snapshot
	snap    *syncFrame        // the newest snapshot
	waiting []any             // Attach and Resubscribe waiting for a snapshot at at
	// held are a connection's messages while its Attach waits (for a
	// snapshot, or for the hub to say whether it resumed): they follow it.
	held    map[uint64][]any
	asking  bool
	fails   int
	closing *hub.Disconnect // the gateway is shutting down
}

func (r *relayActor) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case busUp:
		r.up = true
		r.askIfNeeded()
	case busDown:
		r.up = false
		r.reset(ctx, lostBus)
	case *relayedMessage:
		r.heard = time.Now()
		r.relay(ctx, msg)
	case snapshotted:
		r.snapshotted(ctx, msg)
	case checkLive:
		if r.hub != nil && time.Since(r.heard) > r.silence {
			r.log.Warn().Dur("silent_for", time.Since(r.heard)).Msg("no message from the engine: sockets closed with 1012")
			r.reset(ctx, engineSilent)
			r.askIfNeeded()
		}
	case *actor.Terminated:
		if r.hub != nil && msg.Who.Equal(r.hub) { // not one the relay retired: it failed
			r.hub = nil
			r.failed(errHubFailed)
		}
	case hub.Attach:
		if r.hub == nil {
			msg.Member.Outbox.Close(r.why())
			return
		}
		r.held[msg.Member.ID] = nil
		if msg.Since != nil && msg.First == nil {
			ctx.Request(r.hub, msg) // answered: Resumed, or Unresumed to serve it a snapshot
			return
		}
		r.withSnapshot(ctx, msg)
	case hub.Resumed:
		r.release(ctx, msg.ID)
	case hub.Unresumed:
		if r.hub == nil {
			msg.Attach.Member.Outbox.Close(r.why())
			delete(r.held, msg.Attach.Member.ID)
			return
		}
		msg.Attach.Since, msg.Attach.FirstAt = nil, nil
		r.withSnapshot(ctx, msg.Attach)
	case hub.Resubscribe, hub.Unicast, hub.Detach:
		r.member(ctx, msg)
	case hub.Count:
		if r.hub == nil {
			ctx.Respond(hub.Counted{})
			return
		}
		ctx.Forward(r.hub)
	case hub.CloseAll:
		r.closing = &msg.Disconnect
		if r.hub == nil {
			r.reset(ctx, msg.Disconnect)
			ctx.Respond(hub.Closed{})
			return
		}
		ctx.Forward(r.hub)
		r.retire(ctx, nil)
		r.reset(ctx, msg.Disconnect)
	}
}

// member handles a connection's own message, after its Attach when that is
// still on its way.
func (r *relayActor) member(ctx actor.Context, msg any) {
	var id uint64
	switch m := msg.(type) {
	case hub.Resubscribe:
		id = m.ID
	case hub.Unicast:
		id = m.ID
	case hub.Detach:
		id = m.ID
	}
	if held, ok := r.held[id]; ok {
		r.held[id] = append(held, msg)
		return
	}
	switch m := msg.(type) {
	case hub.Resubscribe:
		if r.hub == nil {
			closeDone(m.Done)
			return
		}
		r.withSnapshot(ctx, m)
	case hub.Unicast:
		if r.hub == nil {
			closeDone(m.Done)
			return
		}
		ctx.Send(r.hub, m)
	case hub.Detach:
		if r.hub != nil {
			ctx.Send(r.hub, m)
		}
	}
}

// release sends on what a connection said while its Attach was on its way.
func (r *relayActor) release(ctx actor.Context, id uint64) {
	held, ok := r.held[id]
	if !ok {
		return
	}
	delete(r.held, id)
	for _, msg := range held {
		r.member(ctx, msg)
	}
}

// why is the close a connection gets when there is no stream to give it.
func (r *relayActor) why() hub.Disconnect {
	if r.closing != nil {
		return *r.closing
	}
	return noStream
}

// relay applies one message of the bus, in order.
func (r *relayActor) relay(ctx actor.Context, m *relayedMessage) {
	if m.End {
		if r.hub != nil || len(r.early) > 0 {
			r.reset(ctx, engineStopped)
			r.askIfNeeded()
		}
		return
	}
	if r.hub == nil {
		if len(r.early) == maxEarly {
			r.early = r.early[1:]
		}
		r.early = append(r.early, m)
		return
	}
	switch {
	case m.At.Epoch != r.at.Epoch:
		r.reset(ctx, newEngineRun)
		r.early = append(r.early, m)
		r.askIfNeeded()
		return
	case r.lastN != 0 && m.N != r.lastN+1:
		r.log.Warn().Uint64("after", r.lastN).Uint64("got", m.N).Msg("a message of the bus missed: sockets closed with 1012")
		r.reset(ctx, lostStream)
		r.askIfNeeded()
		return
	}
	r.lastN = m.N
	switch {
	case m.Numbered && m.At.Seq <= r.at.Seq, !m.Numbered && m.At.Seq < r.at.Seq:
		return // before the snapshot the hub started from
	case m.Numbered && m.At.Seq != r.at.Seq+1, !m.Numbered && m.At.Seq != r.at.Seq:
		r.log.Warn().Uint64("at", r.at.Seq).Uint64("got", m.At.Seq).Msg("a gap in the stream: sockets closed with 1012")
		r.reset(ctx, lostStream)
		r.askIfNeeded()
		return
	}
	ctx.Send(r.hub, hub.Broadcast{Event: m, At: &m.At})
	r.at = m.At
	if r.snap != nil && r.snap.At == r.at {
		r.flush(ctx)
	}
}

// snapshotted places the stream (a new hub) or serves the waiting.
func (r *relayActor) snapshotted(ctx actor.Context, msg snapshotted) {
	if msg.gen != r.gen {
		return // asked before a reset: of a stream the relay no longer follows
	}
	r.asking = false
	if msg.err != nil {
		r.fails++
		d := r.backoff(r.fails)
		r.log.Debug().Err(msg.err).Dur("again_in", d).Msg("no snapshot from the engine")
		gen := r.gen
		ctx.ReenterAfter(actor.NewFuture(ctx.ActorSystem(), d), func(any, error) {
			if gen == r.gen {
				r.askIfNeeded()
			}
		})
		return
	}
	r.fails = 0
	s := msg.snap
	if r.hub != nil && s.At.Epoch != r.at.Epoch {
		r.reset(ctx, newEngineRun)
	}
	if r.closing != nil {
		return
	}
	if r.hub == nil {
		r.place(ctx, s)
		return
	}
	if s.At.Seq < r.at.Seq { // taken before messages the hub already has
		r.attachBehind(ctx, s)
		r.askIfNeeded() // for subscription changes, which need one at the hub's place
		return
	}
	r.snap = s
	if s.At == r.at {
		r.flush(ctx)
	}
}

// place starts a hub at the snapshot's place and gives it what came after.
func (r *relayActor) place(ctx actor.Context, s *syncFrame) {
	r.hub, r.at, r.snap, r.heard = r.spawnHub(ctx, s.At), s.At, s, time.Now()
	r.ready(true)
	r.log.Info().Str("epoch", s.At.Epoch).Uint64("seq", s.At.Seq).Msg("following the engine's stream")
	early := r.early
	r.early = nil
	for _, m := range early {
		if m.At.Epoch != s.At.Epoch {
			continue // a run before this one: its end was never heard
		}
		if r.hub == nil {
			return // a gap among them: asked again
		}
		r.relay(ctx, m)
	}
	r.flush(ctx)
}

// withSnapshot sends msg on with the snapshot at the hub's place, or keeps it
// until there is one.
func (r *relayActor) withSnapshot(ctx actor.Context, msg any) {
	r.waiting = append(r.waiting, msg)
	if r.snap != nil && r.snap.At == r.at {
		r.flush(ctx)
		return
	}
	r.askIfNeeded()
}

func (r *relayActor) flush(ctx actor.Context) {
	if r.snap == nil || r.snap.At != r.at || r.hub == nil {
		return
	}
	waiting := r.waiting
	r.waiting = nil
	for _, msg := range waiting {
		switch m := msg.(type) {
		case hub.Attach:
			m.First = snapshot{syncFrame: r.snap, initial: true}
			ctx.Send(r.hub, m)
			r.release(ctx, m.Member.ID)
		case hub.Resubscribe:
			m.Then = append(m.Then, snapshot{syncFrame: r.snap})
			ctx.Send(r.hub, m)
		}
	}
}

// attachBehind attaches the waiting connections from a snapshot the stream
// has overtaken: the hub sends it, then the frames that followed it, so a
// burst of messages does not keep a join asking for snapshots. A
// subscription change waits on: its client must see only its tasks.
func (r *relayActor) attachBehind(ctx actor.Context, s *syncFrame) {
	waiting := r.waiting
	r.waiting = nil
	for _, msg := range waiting {
		a, ok := msg.(hub.Attach)
		if !ok {
			r.waiting = append(r.waiting, msg)
			continue
		}
		at := s.At
		a.First, a.FirstAt = snapshot{syncFrame: s, initial: true}, &at
		ctx.Request(r.hub, a) // Resumed sends on its held messages; Unresumed brings it back
	}
}

func (r *relayActor) askIfNeeded() {
	if r.asking || !r.up || r.closing != nil || (r.hub != nil && len(r.waiting) == 0) {
		return
	}
	r.asking = true
	r.ask(r.gen)
}

// retire closes the current hub's sockets with d (unless d is nil: the
// caller did) and stops it, as one the relay let go.
func (r *relayActor) retire(ctx actor.Context, d *hub.Disconnect) {
	if r.hub == nil {
		return
	}
	if d != nil {
		ctx.Request(r.hub, hub.CloseAll{Disconnect: *d})
	}
	ctx.Poison(r.hub) // after the CloseAll, which is ahead of it
	r.hub = nil
}

// reset closes every socket with d and forgets the stream until a snapshot
// places it again.
func (r *relayActor) reset(ctx actor.Context, d hub.Disconnect) {
	r.retire(ctx, &d)
	for _, msg := range r.waiting {
		switch m := msg.(type) {
		case hub.Attach:
			m.Member.Outbox.Close(d)
		case hub.Resubscribe:
			closeDone(m.Done)
		}
	}
	for _, held := range r.held {
		for _, msg := range held {
			switch m := msg.(type) {
			case hub.Resubscribe:
				closeDone(m.Done)
			case hub.Unicast:
				closeDone(m.Done)
			}
		}
	}
	clear(r.held)
	r.waiting, r.snap, r.early = nil, nil, nil
	r.lastN = 0
	r.gen++
	r.asking = false
	r.ready(false)
}

func closeDone(done chan struct{}) {
	if done != nil {
		close(done)
	}
}
