package wsconn

import (
	"net"
	"testing"
	"time"
)

func testOutbox(t *testing.T, limit int) *outbox {
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	pool := newWriterPool(0, time.Hour) // the test plays the writer
	t.Cleanup(pool.stop)
	return newOutbox(a, pool, Limits{QueueBytes: limit, WriteWait: time.Second}, nil, func() {})
}

// A ping flood owes one pong, not thousands.
func TestPongsDoNotPileUp(t *testing.T) {
	o := testOutbox(t, 1<<20)
	for i := range 1000 {
		o.pushPong(controlFrame(opPong, []byte{byte(i)}))
	}
	o.Push([]byte("data"))
	o.take()
	if len(o.inflight) != 2 || o.inflight[0][2] != byte(999%256) {
		t.Fatalf("queued %d frames, want the latest pong and the data", len(o.inflight))
	}
}

func TestQueueLimit(t *testing.T) {
	o := testOutbox(t, 100)
	o.Push(make([]byte, 500)) // one frame always fits an empty queue
	if o.Closed() {
		t.Fatal("a single frame over the limit closed the connection")
	}
	// Behind the big frame, a queue's worth of small ones still fits: a
	// client that reads gets its burst.
	for range 10 {
		o.Push(make([]byte, 10))
	}
	if o.Closed() {
		t.Fatal("a queue's worth of frames behind a big one closed the connection")
	}
	o.Push(make([]byte, 10))
	if !o.overflowed() {
		t.Fatal("a frame past the limit must close as a slow consumer")
	}
	o.take()
	if len(o.inflight) != 1 || string(o.inflight[0][2:4]) != "\x0f\xa8" { // 4008
		t.Fatalf("after overflow the writer must get only the close frame 4008, got %d frames", len(o.inflight))
	}
}

// What a writer has taken no longer counts against the queue.
func TestTakenFramesLeaveTheQueue(t *testing.T) {
	o := testOutbox(t, 100)
	o.Push(make([]byte, 90))
	o.Push(make([]byte, 90))
	o.take()
	o.Push(make([]byte, 90))
	o.Push(make([]byte, 90))
	if o.Closed() {
		t.Fatal("frames already taken by the writer counted against the queue")
	}
}
