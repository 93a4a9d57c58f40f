package hub

import (
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/fetchd/fetchd/engine/task"
)

// relayed records what a Relay is handed.
type relayed struct {
	mu   sync.Mutex
	seqs []uint64
	nums []bool
	got  [][][]byte
}

func (r *relayed) Codecs() []Codec { return []Codec{plain{}} }
func (r *relayed) Relay(_ task.Event, at Position, numbered bool, frames [][]byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seqs, r.nums, r.got = append(r.seqs, at.Seq), append(r.nums, numbered), append(r.got, frames)
}

// counted numbers only removals: every other event is outside the stream.
type counted struct{}

func (counted) Encode(ev task.Event, at Position, _ task.Subscriptions) []byte {
	if _, ok := ev.(task.TaskRemoved); ok {
		return []byte{byte(at.Seq)}
	}
	return nil
}

// A relay gets every broadcast once, with the frames the members got and its
// place in the stream, numbered or not.
func TestARelayGetsEveryBroadcastWithItsPlace(t *testing.T) {
	sys := actor.NewActorSystem()
	t.Cleanup(sys.Shutdown)
	r := &relayed{}
	h := sys.Root.Spawn(Props(Config{Stream: counted{}, Relay: r}))
	sys.Root.Send(h, Broadcast{Event: task.TaskRemoved{ID: "a"}})
	sys.Root.Send(h, Broadcast{Event: task.EngineStats{}})
	sys.Root.Send(h, Broadcast{Event: task.TaskRemoved{ID: "b"}})
	settle(t, sys.Root, h)
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.seqs) != 3 || r.seqs[0] != 1 || r.seqs[1] != 1 || r.seqs[2] != 2 {
		t.Fatalf("relayed at seqs %v, want [1 1 2]", r.seqs)
	}
	if !r.nums[0] || r.nums[1] || !r.nums[2] {
		t.Fatalf("numbered %v, want [true false true]", r.nums)
	}
	if string(r.got[2][0]) != "\x02" {
		t.Fatalf("relayed frame %q, want the plain codec's", r.got[2][0])
	}
}

// A hub that relays an upstream stream takes the upstream's numbers, so a
// client resumes at the same seq on any hub of the stream; a new upstream
// epoch leaves nothing of the old one to resume from.
func TestAnUpstreamStreamKeepsItsNumbers(t *testing.T) {
	root, h := spawn(t, ReplayLimits{})
	for _, seq := range []uint64{41, 42, 43} {
		root.Send(h, Broadcast{Event: task.TaskRemoved{ID: "x"}, At: &Position{"up", seq}})
	}
	b := &box{}
	root.Send(h, Attach{Member: Member{ID: 1, Codec: plain{}, Outbox: b}, First: task.SyncAll{}, Since: &Position{"up", 41}})
	settle(t, root, h)
	if got := b.got(); len(got) != 2 || string(got[0]) != "\x2a" || string(got[1]) != "\x2b" {
		t.Fatalf("resuming after up:41 got %q, want seqs 42 and 43", got)
	}
	root.Send(h, Broadcast{Event: task.TaskRemoved{ID: "x"}, At: &Position{"next", 1}})
	b2 := &box{}
	root.Send(h, Attach{Member: Member{ID: 2, Codec: plain{}, Outbox: b2}, First: task.SyncAll{}, Since: &Position{"up", 42}})
	settle(t, root, h)
	if got := b2.got(); len(got) != 1 || string(got[0]) != "sync next" {
		t.Fatalf("a position of the old epoch got %q, want a SYNC_ALL of the new one", got)
	}
}

// An Attach without a snapshot that cannot resume is handed back, and the
// member is not registered.
func TestAnAttachWithoutSnapshotIsHandedBack(t *testing.T) {
	root, h := spawn(t, ReplayLimits{})
	root.Send(h, Broadcast{Event: task.TaskRemoved{ID: "x"}})
	b := &box{}
	res, err := root.RequestFuture(h, Attach{Member: Member{ID: 1, Codec: plain{}, Outbox: b}, Since: &Position{"other", 1}}, 5*time.Second).Result()
	if err != nil {
		t.Fatal(err)
	}
	if u, ok := res.(Unresumed); !ok || u.Attach.Member.ID != 1 {
		t.Fatalf("answer %#v, want Unresumed for member 1", res)
	}
	root.Send(h, Broadcast{Event: task.TaskRemoved{ID: "y"}})
	n, _ := root.RequestFuture(h, Count{}, 5*time.Second).Result()
	if n.(Counted).N != 0 || len(b.got()) != 0 {
		t.Fatalf("%d members, %d frames to the handed-back one; want none", n.(Counted).N, len(b.got()))
	}
}

// A snapshot the stream overtook is sent with the frames that followed it,
// or handed back when they are no longer kept.
func TestASnapshotBehindIsFollowedByWhatCameAfter(t *testing.T) {
	root, h := spawn(t, ReplayLimits{Keep: time.Nanosecond, Bytes: 2, MaxBytes: 2}) // keeps two frames
	for _, seq := range []uint64{1, 2, 3, 4} {
		root.Send(h, Broadcast{Event: task.TaskRemoved{ID: "x"}, At: &Position{"up", seq}})
	}
	b := &box{}
	res, err := root.RequestFuture(h, Attach{Member: Member{ID: 1, Codec: plain{}, Outbox: b}, First: task.SyncAll{}, FirstAt: &Position{"up", 2}}, 5*time.Second).Result()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := res.(Resumed); !ok {
		t.Fatalf("answer %#v, want Resumed", res)
	}
	if got := b.got(); len(got) != 3 || string(got[0]) != "sync up" || string(got[1]) != "\x03" || string(got[2]) != "\x04" {
		t.Fatalf("got %q, want the snapshot then seqs 3 and 4", got)
	}
	res, _ = root.RequestFuture(h, Attach{Member: Member{ID: 2, Codec: plain{}, Outbox: &box{}}, First: task.SyncAll{}, FirstAt: &Position{"up", 1}}, 5*time.Second).Result()
	if _, ok := res.(Unresumed); !ok {
		t.Fatalf("answer %#v for frames no longer kept, want Unresumed", res)
	}
}
