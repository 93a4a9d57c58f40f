package hub

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/fetchd/fetchd/engine/task"
)

// plain encodes every event as its seq; deflate "compresses" by prefixing
// a 'z', counting how often it is asked to.
type plain struct{}

func (plain) Encode(ev task.Event, at Position, _ task.Subscriptions) []byte {
	if _, ok := ev.(task.SyncAll); ok {
		return []byte("sync " + at.Epoch)
	}
	return []byte{byte(at.Seq)}
}

type deflate struct{ derived *atomic.Int64 }

func (d deflate) Base() Codec { return plain{} }
func (d deflate) Encode(ev task.Event, at Position, subs task.Subscriptions) []byte {
	return d.Derive(ev, plain{}.Encode(ev, at, subs))
}
func (d deflate) Derive(_ task.Event, f []byte) []byte {
	d.derived.Add(1)
	return append([]byte{'z'}, f...)
}

type box struct {
	mu     sync.Mutex
	frames [][]byte
}

func (b *box) Push(f []byte)    { b.mu.Lock(); b.frames = append(b.frames, f); b.mu.Unlock() }
func (b *box) Close(Disconnect) {}
func (b *box) Closed() bool     { return false }
func (b *box) got() [][]byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([][]byte(nil), b.frames...)
}

func spawn(t *testing.T, limits ReplayLimits) (*actor.RootContext, *actor.PID) {
	sys := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return slog.New(slog.DiscardHandler) }))
	t.Cleanup(sys.Shutdown)
	return sys.Root, sys.Root.Spawn(Props(Config{Stream: plain{}, Replay: limits}))
}

func settle(t *testing.T, root *actor.RootContext, h *actor.PID) {
	if _, err := root.RequestFuture(h, Count{}, 5*time.Second).Result(); err != nil {
		t.Fatal(err)
	}
}

// A message is compressed once for every connection that negotiated
// compression, not once per connection.
func TestAMessageIsCompressedOnceForEveryone(t *testing.T) {
	root, h := spawn(t, ReplayLimits{})
	var derived atomic.Int64
	boxes := make([]*box, 100)
	for i := range boxes {
		boxes[i] = &box{}
		var c Codec = plain{}
		if i%2 == 0 {
			c = deflate{&derived}
		}
		root.Send(h, Attach{Member: Member{ID: uint64(i), Codec: c, Outbox: boxes[i]}, First: task.SyncAll{}})
	}
	settle(t, root, h)
	derived.Store(0) // the snapshots
	root.Send(h, Broadcast{Event: task.TaskRemoved{ID: "x"}})
	settle(t, root, h)
	if n := derived.Load(); n != 1 {
		t.Fatalf("compressed %d times for 50 connections, want once", n)
	}
	if got := boxes[0].got(); string(got[len(got)-1]) != "z\x01" {
		t.Fatalf("a compressing connection got %q", got[len(got)-1])
	}
	if got := boxes[1].got(); string(got[len(got)-1]) != "\x01" {
		t.Fatalf("a plain connection got %q", got[len(got)-1])
	}
}

// A resuming member gets the frames after its position, in its own codec,
// or its SYNC_ALL when they are no longer all kept, or are of another run.
func TestResumeReplaysKeptFrames(t *testing.T) {
	root, h := spawn(t, ReplayLimits{Keep: time.Nanosecond, Bytes: 2, MaxBytes: 2})
	var derived atomic.Int64
	first := &box{}
	root.Send(h, Attach{Member: Member{ID: 1, Codec: plain{}, Outbox: first}, First: task.SyncAll{}})
	for range 5 {
		root.Send(h, Broadcast{Event: task.TaskRemoved{ID: "x"}})
	}
	settle(t, root, h)
	epoch := string(first.got()[0][len("sync "):])
	for _, tc := range []struct {
		name  string
		since Position
		want  string
	}{
		{"kept", Position{epoch, 3}, "z\x04z\x05"},
		{"newest", Position{epoch, 5}, ""},
		{"dropped", Position{epoch, 2}, "sync " + epoch},
		{"another run", Position{"other", 4}, "sync " + epoch},
		{"ahead", Position{epoch, 9}, "sync " + epoch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := &box{}
			root.Send(h, Attach{Member: Member{ID: 100 + tc.since.Seq, Codec: deflate{&derived}, Outbox: b},
				First: task.SyncAll{}, Since: &tc.since})
			settle(t, root, h)
			var got []byte
			for _, f := range b.got() {
				got = append(got, f...)
			}
			if tc.want != "" && tc.want[0] == 's' {
				tc.want = "z" + tc.want // the SYNC_ALL, compressed too
			}
			if string(got) != tc.want {
				t.Fatalf("resuming after %+v got %q, want %q", tc.since, got, tc.want)
			}
		})
	}
}
