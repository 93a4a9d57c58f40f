package wsconn

import (
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/fetchd/fetchd/actors/hub"
	"github.com/fetchd/fetchd/engine/task"
)

// BenchmarkFanout is one TASK_BATCH_UPDATE of 100 changed tasks handed by the
// hub actor to every connection's outbox, with the tasks codec: the work of
// one flush, per connection. Nobody subscribes, so the batch is encoded once,
// and with compression compressed once.
func BenchmarkFanout(b *testing.B) {
	for _, compress := range []bool{false, true} {
		for _, conns := range []int{1000, 10000} {
			b.Run(fmt.Sprintf("deflate=%v/conns=%d", compress, conns), func(b *testing.B) { benchFanout(b, conns, compress) })
		}
	}
}

func benchFanout(b *testing.B, conns int, compress bool) {
	var codec hub.Codec = tasksCodec{}
	if compress {
		codec = deflated{base: codec}
	}
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.DiscardHandler)
	}))
	defer system.Shutdown()
	h := system.Root.Spawn(hub.Props(hub.Config{Stream: StreamCodec()}))
	pipe, other := net.Pipe()
	defer pipe.Close()
	defer other.Close()
	boxes := make([]*outbox, conns)
	pool := newWriterPool(0, time.Hour) // the benchmark plays the writer
	defer pool.stop()
	for i := range boxes {
		boxes[i] = newOutbox(pipe, pool, Limits{QueueBytes: 1 << 30, WriteWait: time.Second}, nil, func() {})
		system.Root.Send(h, hub.Attach{Member: hub.Member{ID: uint64(i), Codec: codec, Outbox: boxes[i]}, First: task.SyncAll{}})
	}
	batch := task.TaskBatch{}
	for i := range 100 {
		old := task.Task{ID: fmt.Sprintf("%08d-0000-4000-8000-000000000000", i), Size: 1 << 30}
		cur := old
		cur.SetProgress(int64(i)<<20, old.Size)
		cur.Speed, cur.ETA = 5e6, 120
		batch.Deltas = append(batch.Deltas, task.Diff(&old, &cur, false))
	}
	wait := func() {
		if _, err := system.Root.RequestFuture(h, hub.Count{}, 10*time.Second).Result(); err != nil {
			b.Fatal(err)
		}
	}
	wait()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for range b.N {
		system.Root.Send(h, hub.Broadcast{Event: batch})
		wait()
		b.StopTimer()
		for _, o := range boxes {
			o.take() // as a writer would, then the socket takes it all
			o.inflight = nil
		}
		b.StartTimer()
	}
	b.StopTimer()
	wire := 0
	for _, f := range boxes[0].batch {
		wire += len(f)
	}
	runtime.ReadMemStats(&after)
	perConn := float64(b.Elapsed().Nanoseconds()) / float64(b.N) / float64(conns)
	b.ReportMetric(perConn, "ns/conn")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(b.N)/float64(conns), "allocs/conn")
	b.ReportMetric(float64(wire), "wire-bytes/msg")
}
