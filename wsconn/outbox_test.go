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
	// Past it, a socket that takes bytes gets its burst, up to a bound.
	for o.size+10 <= burstFactor*o.limit {
		o.Push(make([]byte, 10))
		if o.Closed() {
			t.Fatalf("closed at %d queued bytes while the socket takes bytes", o.size)
		}
	}
	o.Push(make([]byte, 10))
	if !o.overflowed() {
		t.Fatal("a frame past the burst bound must close as a slow consumer")
	}
	o.take()
	if len(o.inflight) != 1 || string(o.inflight[0][2:4]) != "\x0f\xa8" { // 4008
		t.Fatalf("after overflow the writer must get only the close frame 4008, got %d frames", len(o.inflight))
	}
}

// A socket that has taken nothing for the grace period is a client that does
// not read: past the limit the writer closes it without waiting for another
// frame.
func TestTheWriterClosesASocketThatTakesNothing(t *testing.T) {
	a, b := net.Pipe() // nobody reads b: every write would block
	t.Cleanup(func() { a.Close(); b.Close() })
	pool := newWriterPool(1, time.Millisecond)
	t.Cleanup(pool.stop)
	o := newOutbox(a, pool, Limits{QueueBytes: 100, WriteWait: time.Minute, ReaderGrace: 200 * time.Millisecond}, nil, func() {})
	o.Push(make([]byte, 10))
	deadline := time.Now().Add(10 * time.Second)
	for { // until the writer has found the socket full
		o.mu.Lock()
		stuck := !o.stuckAt.IsZero()
		o.mu.Unlock()
		if stuck {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the writer never found the socket full")
		}
		time.Sleep(time.Millisecond)
	}
	for range 20 { // past the limit, then no more frames: the writer decides
		o.Push(make([]byte, 10))
	}
	for !o.overflowed() {
		if time.Now().After(deadline) {
			t.Fatal("a socket that took nothing past the limit was not closed as a slow consumer")
		}
		time.Sleep(time.Millisecond)
	}
}

// Under the limit, a socket that takes nothing for WriteWait is dropped all
// the same, and says why.
func TestASocketThatTakesNothingUnderTheLimitIsDropped(t *testing.T) {
	a, b := net.Pipe() // nobody reads b
	t.Cleanup(func() { a.Close(); b.Close() })
	pool := newWriterPool(1, time.Millisecond)
	t.Cleanup(pool.stop)
	done := make(chan struct{})
	o := newOutbox(a, pool, Limits{QueueBytes: 1 << 20, WriteWait: 200 * time.Millisecond, ReaderGrace: time.Minute}, nil, func() { close(done) })
	o.Push(make([]byte, 10))
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a socket that took nothing for WriteWait was not dropped")
	}
	if !o.stalledOut() || o.overflowed() {
		t.Fatalf("stalled %v, overflowed %v: want dropped for taking nothing, not as a slow consumer", o.stalledOut(), o.overflowed())
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
