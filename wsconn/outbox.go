package wsconn

import (
	"net"
	"sync"
	"time"
)

// Close codes fetchd sends beyond the standard ones.
const (
	CloseGoingAway    = 1001
	CloseTooBig       = 1009
	CloseSlowConsumer = 4008
)

// outbox is a connection's bounded queue of frames not yet written. Pushing
// never blocks: past the limit the connection stops queueing and closes as a
// slow consumer.
type outbox struct {
	conn     net.Conn
	limit    int
	closeFor time.Duration // how long a close frame may take to deliver

	mu      sync.Mutex
	frames  [][]byte
	spare   [][]byte // the writer's last batch, reused so queueing allocates nothing
	control [][]byte // pings and pongs: small, never counted, sent first
	size    int
	closing []byte // the close frame, once closing
	slow    bool   // closing because the queue overflowed
	wake    chan struct{}
}

func newOutbox(conn net.Conn, limit int, closeFor time.Duration) *outbox {
	return &outbox{conn: conn, limit: limit, closeFor: closeFor, wake: make(chan struct{}, 1)}
}

// Push queues a frame, or closes the connection with 4008 when the queue would
// pass its limit.
func (o *outbox) Push(frame []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closing != nil {
		return
	}
	if o.size+len(frame) > o.limit {
		// The reader is not keeping up: drop what waits, and give a write that
		// may be stuck on the socket until the deadline to finish.
		o.frames, o.size, o.slow = o.frames[:0], 0, true
		o.closing = closeFrame(CloseSlowConsumer, "slow consumer")
		o.conn.SetWriteDeadline(time.Now().Add(o.closeFor))
		o.signal()
		return
	}
	o.frames = append(o.frames, frame)
	o.size += len(frame)
	o.signal()
}

// pushControl queues a ping or pong ahead of data.
func (o *outbox) pushControl(frame []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closing == nil {
		o.control = append(o.control, frame)
		o.signal()
	}
}

// Close queues a close frame after what is already queued.
func (o *outbox) Close(code int, reason string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closing == nil {
		o.closing = closeFrame(code, reason)
		o.conn.SetWriteDeadline(time.Now().Add(o.closeFor))
		o.signal()
	}
}

// overflowed reports whether the connection is closing as a slow consumer.
func (o *outbox) overflowed() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.slow
}

// take hands the writer everything queued, and the close frame once closing.
// The batch it returns is the writer's until its next take.
func (o *outbox) take() (frames [][]byte, closing []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	frames = o.frames
	if len(o.control) > 0 {
		frames = append(o.control, frames...)
		o.control = nil
	}
	next := o.spare[:cap(o.spare)]
	clear(next) // let written frames go
	o.frames, o.spare, o.size = next[:0], frames, 0
	return frames, o.closing
}

func (o *outbox) signal() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}
