package gateway

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/fetchd/fetchd/actors/hub"
	"github.com/fetchd/fetchd/bus"
	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/engine/task"
	"github.com/fetchd/fetchd/wsconn"
)

// The relay alone, fed by hand: what it does with the order in which a
// connection's messages, the bus's messages and the engine's snapshots meet.

type outbox struct {
	mu     sync.Mutex
	frames [][]byte
	closed *hub.Disconnect
}

func (o *outbox) Push(f []byte) { o.mu.Lock(); o.frames = append(o.frames, f); o.mu.Unlock() }
func (o *outbox) Close(d hub.Disconnect) {
	o.mu.Lock()
	if o.closed == nil {
		o.closed = &d
	}
	o.mu.Unlock()
}
func (o *outbox) Closed() bool { o.mu.Lock(); defer o.mu.Unlock(); return o.closed != nil }
func (o *outbox) payloads() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var s []string
	for _, f := range o.frames {
		p, _ := wsconn.Payload(f)
		s = append(s, string(p))
	}
	return s
}

type rig struct {
	t      *testing.T
	sys    *actor.ActorSystem
	relay  *actor.PID
	asks   atomic.Int32
	gen    atomic.Int64 // of the last request
	ready  atomic.Bool
	failed atomic.Bool
	onAsk  func(n int32)
}

func newRig(t *testing.T) *rig {
	rg := &rig{t: t, sys: actor.NewActorSystem()}
	r := &relayActor{
		spawnHub: func(ctx actor.Context, at hub.Position) *actor.PID {
			return ctx.Spawn(hub.Props(hub.Config{Stream: tasksDialect, Start: &at}))
		},
		ask: func(gen int) {
			rg.gen.Store(int64(gen))
			if n := rg.asks.Add(1); rg.onAsk != nil {
				go rg.onAsk(n)
			}
		},
		ready:   func(b bool) { rg.ready.Store(b) },
		failed:  func(error) { rg.failed.Store(true) },
		held:    map[uint64][]any{},
		log:     zerolog.Nop(),
		backoff: func(int) time.Duration { return 10 * time.Millisecond },
		silence: time.Hour,
	}
	stop := actor.NewOneForOneStrategy(0, 0, func(any) actor.Directive { return actor.StopDirective })
	rg.relay = rg.sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return r }, actor.WithSupervisor(stop)))
	t.Cleanup(rg.sys.Shutdown)
	return rg
}

// answer is the engine's snapshot at epoch:seq holding tasks ids, as the
// answer to the relay's last request.
func (rg *rig) answer(epoch string, seq uint64, ids ...string) {
	var ts []task.Task
	for _, id := range ids {
		ts = append(ts, task.Task{ID: id})
	}
	at := hub.Position{Epoch: epoch, Seq: seq}
	f := wsconn.StreamCodec().Encode(task.SyncAll{Tasks: ts}, at, nil)
	rg.sys.Root.Send(rg.relay, snapshotted{gen: int(rg.gen.Load()), snap: &syncFrame{Snapshot: bus.Snapshot{At: at, Frame: f}}})
}

func added(epoch string, seq uint64, id string) *relayedMessage {
	at := hub.Position{Epoch: epoch, Seq: seq}
	f := wsconn.StreamCodec().Encode(task.TaskAdded{Task: task.Task{ID: id}}, at, nil)
	m := &relayedMessage{}
	m.At, m.Numbered = at, true
	m.Frames[bus.TasksPlain], m.Frames[bus.TasksCompressed] = f, f
	return m
}

func (rg *rig) send(msg any) { rg.sys.Root.Send(rg.relay, msg) }

// members is the hub's count, after everything sent before it.
func (rg *rig) members() int {
	res, err := rg.sys.Root.RequestFuture(rg.relay, hub.Count{}, time.Second).Result()
	if err != nil {
		rg.t.Fatal(err)
	}
	return res.(hub.Counted).N
}

// place puts the relay on the stream at E:5 with tasks t1 and t2.
func (rg *rig) place() {
	rg.send(busUp{})
	enginetest.Eventually(rg.t, time.Second, "a snapshot request", func() bool { return rg.asks.Load() > 0 })
	rg.answer("E", 5, "t1", "t2")
	enginetest.Eventually(rg.t, time.Second, "the relay placed", rg.ready.Load)
}

func attach(id uint64, o *outbox, since *hub.Position) hub.Attach {
	return hub.Attach{Member: hub.Member{ID: id, Codec: tasksDialect, Outbox: o}, Since: since}
}

func subscribe(id uint64, to string) (hub.Resubscribe, chan struct{}) {
	done := make(chan struct{})
	return hub.Resubscribe{ID: id, Subs: task.Subscriptions{to: {}}, Then: []task.Event{task.SubscriptionAck{Subscribed: true, ID: to}}, Done: done}, done
}

func waitDone(t *testing.T, done chan struct{}) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a connection's message was never answered")
	}
}

// A subscription sent while the hub decides on a resume follows the
// attach: the client gets its ack, a SYNC_ALL of what it sees, and nothing else.
func TestASubscriptionFollowsItsAttach(t *testing.T) {
	rg := newRig(t)
	rg.place()
	o := &outbox{}
	rg.send(attach(1, o, &hub.Position{Epoch: "other", Seq: 1}))
	sub, done := subscribe(1, "t1")
	rg.send(sub)
	waitDone(t, done)
	rg.send(added("E", 6, "t3"))
	rg.members()
	got := strings.Join(o.payloads(), "\n")
	ack := strings.Index(got, `"SUBSCRIPTION_ACK"`)
	if ack < 0 || strings.Contains(got[ack:], `"t3"`) || strings.Contains(got[ack:], `"t2"`) {
		t.Fatalf("after subscribing to t1 the client got:\n%s", got)
	}
}

// An ERROR for a client whose attach waits for a snapshot comes after its
// SYNC_ALL; a client that leaves before its snapshot is not left behind.
func TestAConnectionsMessagesWaitForItsSnapshot(t *testing.T) {
	rg := newRig(t)
	rg.place()
	rg.send(added("E", 6, "t3")) // the snapshot the relay holds is behind now
	o := &outbox{}
	rg.send(attach(1, o, nil))
	errDone := make(chan struct{})
	rg.send(hub.Unicast{ID: 1, Event: task.ErrorEvent{Message: "bad"}, Done: errDone})
	gone := &outbox{}
	rg.send(attach(2, gone, nil))
	rg.send(hub.Detach{ID: 2})
	rg.answer("E", 6, "t1", "t2", "t3")
	waitDone(t, errDone)
	if got := o.payloads(); len(got) != 2 || !strings.Contains(got[0], `"SYNC_ALL"`) || !strings.Contains(got[1], `"ERROR"`) {
		t.Fatalf("got %q, want the SYNC_ALL then the ERROR", got)
	}
	if n := rg.members(); n != 1 {
		t.Fatalf("%d members, want 1: the one that left is still there", n)
	}
}

// Messages of a run that ended unheard, queued before the first snapshot,
// do not keep the relay from following the new run.
func TestAnOldRunDoesNotKeepTheRelayFromPlacing(t *testing.T) {
	rg := newRig(t)
	rg.onAsk = func(n int32) {
		if n < 100 {
			rg.answer("E2", 3, "t1")
		}
	}
	rg.send(added("E1", 9, "x"))
	rg.send(added("E2", 3, "t1"))
	rg.send(busUp{})
	enginetest.Eventually(t, 2*time.Second, "the relay placed on the new run", rg.ready.Load)
	if n := rg.asks.Load(); n > 3 {
		t.Fatalf("%d snapshot requests to place once", n)
	}
}

// An answer asked for before the stream broke is not taken: the engine it
// describes stopped.
func TestALateSnapshotIsNotTaken(t *testing.T) {
	rg := newRig(t)
	rg.place()
	rg.send(added("E", 6, "t3"))
	rg.send(attach(1, &outbox{}, nil)) // asks
	enginetest.Eventually(t, time.Second, "a second request", func() bool { return rg.asks.Load() == 2 })
	stale := rg.gen.Load()
	end := &relayedMessage{}
	end.End = true
	rg.send(end)
	at := hub.Position{Epoch: "E", Seq: 6}
	f := wsconn.StreamCodec().Encode(task.SyncAll{}, at, nil)
	rg.send(snapshotted{gen: int(stale), snap: &syncFrame{Snapshot: bus.Snapshot{At: at, Frame: f}}})
	rg.members()
	if rg.ready.Load() {
		t.Fatal("ready on a snapshot of an engine that stopped")
	}
}

// The gateway's own messages carry the engine's seq from the first.
func TestAnAckCarriesTheStreamsSeq(t *testing.T) {
	rg := newRig(t)
	rg.place()
	o := &outbox{}
	rg.send(attach(1, o, nil))
	sub, done := subscribe(1, "t1")
	rg.send(sub)
	waitDone(t, done)
	for _, p := range o.payloads() {
		if strings.Contains(p, `"SUBSCRIPTION_ACK"`) && !strings.Contains(p, `"seq":5`) {
			t.Fatalf("ack %s, want seq 5", p)
		}
	}
}

// panicky fails as a bug in a codec would.
type panicky struct{}

func (panicky) Encode(task.Event, hub.Position, task.Subscriptions) []byte { panic("codec bug") }

// A hub that fails is not restarted empty: the gateway fails.
func TestAFailedHubFailsTheGateway(t *testing.T) {
	rg := newRig(t)
	rg.place()
	rg.send(hub.Attach{Member: hub.Member{ID: 1, Codec: panicky{}, Outbox: &outbox{}}})
	enginetest.Eventually(t, 5*time.Second, "the gateway to fail", rg.failed.Load)
}

// A message lost on the bus is seen even when it is one only the events
// dialect sends (it has no seq of its own): the bus counts every message.
func TestAMessageLostOnTheBusIsSeen(t *testing.T) {
	rg := newRig(t)
	rg.place()
	for _, n := range []uint64{1, 2} {
		m := added("E", 5+n, "t")
		m.N = n
		rg.send(m)
	}
	eventsOnly := &relayedMessage{}
	eventsOnly.At, eventsOnly.N = hub.Position{Epoch: "E", Seq: 7}, 4 // 3 is lost
	eventsOnly.Frames[bus.EventsPlain] = wsconn.TextFrame([]byte(`{"event":"download:started"}`))
	rg.send(eventsOnly)
	rg.members()
	if rg.ready.Load() {
		t.Fatal("still serving after a message of the bus was lost")
	}
}

// A join whose snapshot the stream overtook is served from it and the
// frames that followed, without asking again; its messages still follow.
func TestAJoinIsServedFromAnOvertakenSnapshot(t *testing.T) {
	rg := newRig(t)
	rg.place()
	rg.send(added("E", 6, "t3")) // the relay's snapshot is behind now
	o := &outbox{}
	rg.send(attach(1, o, nil))
	errDone := make(chan struct{})
	rg.send(hub.Unicast{ID: 1, Event: task.ErrorEvent{Message: "bad"}, Done: errDone})
	enginetest.Eventually(t, time.Second, "a snapshot request", func() bool { return rg.asks.Load() == 2 })
	rg.send(added("E", 7, "t4"))
	rg.send(added("E", 8, "t5"))
	rg.answer("E", 6, "t1", "t2", "t3") // taken at 6; the hub is at 8
	waitDone(t, errDone)
	got := o.payloads()
	if len(got) != 4 || !strings.Contains(got[0], `"SYNC_ALL"`) || !strings.Contains(got[1], `"t4"`) || !strings.Contains(got[2], `"t5"`) || !strings.Contains(got[3], `"ERROR"`) {
		t.Fatalf("got %q, want the SYNC_ALL at 6, the adds at 7 and 8, then the ERROR", got)
	}
	if n := rg.asks.Load(); n != 2 {
		t.Fatalf("%d snapshot requests, want 2: the overtaken one served the join", n)
	}
}
