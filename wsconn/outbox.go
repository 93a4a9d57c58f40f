package wsconn

import (
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/fetchd/fetchd/actors/hub"
)

// Close codes fetchd sends beyond the standard ones.
const (
	CloseGoingAway    = 1001
	CloseTooBig       = 1009
	CloseInternal     = 1011
	CloseSlowConsumer = 4008
)

// The disconnects fetchd sends of its own accord.
var (
	DisconnectShutdown = hub.Disconnect{Code: CloseGoingAway, Reason: "server shutting down"}
	// DisconnectInternalError: the engine failed; a client reconnects once
	// it has been started again.
	DisconnectInternalError = hub.Disconnect{Code: CloseInternal, Reason: "internal error: the server stopped"}
	disconnectSlowConsumer  = hub.Disconnect{Code: CloseSlowConsumer, Reason: "slow consumer"}
	disconnectTooBig        = hub.Disconnect{Code: CloseTooBig, Reason: "message too big"}
)

// A client that reads gets a burst past the queue limit, up to burstFactor
// times it: the frames are shared with every other connection, so the burst
// costs little memory. Past the limit, a socket the writer finds full, and
// found full Limits.ReaderGrace ago with nothing taken since, belongs to a
// client that does not read. (A writer that is late to look cannot mistake
// a reader for a stalled one: a socket read from in between takes bytes.)
const burstFactor = 16

// outbox is a connection's bounded queue of frames not yet written, and the
// writer's state for that socket. Pushing never blocks: past the limit the
// connection stops queueing and closes as a slow consumer. A shared pool of
// writers drains outboxes; one outbox is in the hands of at most one writer.
type outbox struct {
	conn     net.Conn
	raw      syscall.RawConn
	pool     *writerPool
	limit    int
	stallFor time.Duration // a socket that takes nothing this long is dropped
	grace    time.Duration // past the limit, a socket that takes nothing this long is a slow consumer
	closeFor time.Duration // how long a close frame may take to deliver
	reader   <-chan struct{}
	onDone   func() // once, when the socket is closed

	mu        sync.Mutex
	frames    [][]byte
	ping      bool   // a ping is due
	pong      []byte // the latest pong owed; a newer ping replaces it
	size      int    // bytes queued and not yet taken by a writer
	largest   int    // the largest frame among them
	scheduled bool   // queued in the pool or held by a writer
	closing   []byte // the close frame, once closing
	closeBy   time.Time
	slow      bool      // closing because the queue overflowed
	stalled   bool      // dropped because the socket took nothing for stallFor
	stuckAt   time.Time // the socket has taken nothing since; zero while it takes bytes
	quiet     bool      // closing without a close frame of ours
	done      bool

	// Writer-side state, touched only by the writer holding the outbox.
	batch        [][]byte    // what was taken; its array is the next queue
	inflight     net.Buffers // the part of batch not yet written
	closeSent    bool
	blockedSince time.Time
}

func newOutbox(conn net.Conn, pool *writerPool, l Limits, reader <-chan struct{}, onDone func()) *outbox {
	o := &outbox{conn: conn, pool: pool, limit: l.QueueBytes, stallFor: l.WriteWait, grace: l.ReaderGrace, closeFor: l.WriteWait, reader: reader, onDone: onDone}
	if o.grace <= 0 {
		o.grace = DefaultLimits().ReaderGrace
	}
	if sc, ok := conn.(syscall.Conn); ok {
		o.raw, _ = sc.SyscallConn()
	}
	return o
}

// Push queues a frame, or closes the connection with 4008 when the queue would
// pass its limit.
func (o *outbox) Push(frame []byte) {
	o.mu.Lock()
	if o.closing != nil || o.done {
		o.mu.Unlock()
		return
	}
	// Past the limit only the burst bound is checked here; whether the
	// client reads is for the writer to say, which sees the socket.
	if o.over(len(frame)) && o.size+len(frame) > burstFactor*o.limit {
		o.overflow()
	} else {
		o.frames = append(o.frames, frame)
		o.size += len(frame)
		o.largest = max(o.largest, len(frame))
	}
	o.kick()
}

// over reports whether the queue, with extra more bytes, passes its limit.
// What a writer has taken is not counted, nor the largest frame queued: a big
// SYNC_ALL and the updates behind it fit, while a client that reads nothing
// still fills the queue behind them. o.mu is held.
func (o *outbox) over(extra int) bool {
	return len(o.frames) > 0 && o.size+extra-max(o.largest, extra) > o.limit
}

// stuckFor reports whether the socket has taken nothing for the grace
// period. o.mu is held.
func (o *outbox) stuckFor(now time.Time) bool {
	return !o.stuckAt.IsZero() && now.Sub(o.stuckAt) > o.grace
}

// overflow closes a slow consumer: what waits is dropped, and the close
// frame 4008 goes next. o.mu is held.
func (o *outbox) overflow() {
	o.size, o.largest = 0, 0
	clear(o.frames)
	o.frames, o.slow = o.frames[:0], true
	o.closing = closeFrame(disconnectSlowConsumer)
	o.closeBy = time.Now().Add(o.closeFor)
}

// pushPing asks for a ping ahead of data.
func (o *outbox) pushPing() {
	o.mu.Lock()
	if o.closing != nil || o.done {
		o.mu.Unlock()
		return
	}
	o.ping = true
	o.kick()
}

// pushPong owes the client a pong. Only the latest is kept, as RFC 6455
// allows, so a ping flood costs nothing.
func (o *outbox) pushPong(frame []byte) {
	o.mu.Lock()
	if o.closing != nil || o.done {
		o.mu.Unlock()
		return
	}
	o.pong = frame
	o.kick()
}

// Close queues a close frame after what is already queued.
func (o *outbox) Close(d hub.Disconnect) {
	o.mu.Lock()
	if o.closing != nil || o.done {
		o.mu.Unlock()
		return
	}
	o.closing = closeFrame(d)
	o.closeBy = time.Now().Add(o.closeFor)
	o.kick()
}

// CloseQuietly ends the connection without a close frame of its own, when the
// WebSocket layer has already sent one (a refused frame), so that the client
// gets exactly one. What waits is dropped: nothing may follow a close.
func (o *outbox) CloseQuietly() {
	o.mu.Lock()
	if o.closing != nil || o.done {
		o.mu.Unlock()
		return
	}
	clear(o.frames)
	o.frames, o.size, o.largest = o.frames[:0], 0, 0
	o.closing, o.quiet = []byte{}, true
	o.closeBy = time.Now().Add(o.closeFor)
	o.kick()
}

// kick hands the outbox to the writers unless one has it; it releases o.mu.
func (o *outbox) kick() {
	schedule := !o.scheduled
	o.scheduled = true
	o.mu.Unlock()
	if schedule {
		o.pool.schedule(o)
	}
}

// Closed reports whether the outbox takes no more frames.
func (o *outbox) Closed() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.closing != nil || o.done
}

// overflowed reports whether the connection is closing as a slow consumer.
func (o *outbox) overflowed() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.slow
}

// stalledOut reports whether the socket was dropped for taking nothing for
// too long, with or without a close frame on its way.
func (o *outbox) stalledOut() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.stalled
}

// take moves what is queued to the writer: pings and pongs first; once
// nothing is left and the outbox is closing, the close frame. It runs only
// when the last batch is written, so that batch's array becomes the queue:
// two arrays take turns and queueing allocates nothing.
func (o *outbox) take() {
	prev := o.batch
	clear(prev[:cap(prev)])
	o.mu.Lock()
	defer o.mu.Unlock()
	var batch [][]byte
	if o.ping || o.pong != nil {
		batch = make([][]byte, 0, len(o.frames)+2)
		if o.ping {
			batch = append(batch, pingFrame)
		}
		if o.pong != nil {
			batch = append(batch, o.pong)
		}
		batch = append(batch, o.frames...)
		o.ping, o.pong = false, nil
		clear(o.frames)
		o.frames = o.frames[:0]
	} else {
		batch, o.frames = o.frames, prev[:0]
	}
	o.size, o.largest = 0, 0
	if len(batch) == 0 && o.closing != nil && !o.closeSent {
		o.closeSent = true
		if !o.quiet {
			batch = [][]byte{o.closing}
		}
	}
	o.batch, o.inflight = batch, net.Buffers(batch)
}

// flush writes what the socket takes without waiting for it, and tells the
// pool what comes next: done, more to write, or blocked.
func (o *outbox) flush() flushResult {
	for range 4 { // a few rounds, then the next connection's turn
		if len(o.inflight) == 0 {
			o.take()
		}
		if len(o.inflight) == 0 {
			if o.closeSent {
				o.finish()
				return flushDone
			}
			o.mu.Lock()
			if len(o.frames) == 0 && !o.ping && o.pong == nil && (o.closing == nil || o.closeSent) {
				o.scheduled = false
				o.mu.Unlock()
				return flushIdle
			}
			o.mu.Unlock()
			continue
		}
		n, err := writeNow(o.raw, o.conn, &o.inflight)
		now := time.Now()
		if n > 0 {
			o.blockedSince = time.Time{} // slow is not stuck
		}
		if err == errWouldBlock && o.blockedSince.IsZero() {
			o.blockedSince = now
		}
		o.mu.Lock()
		o.stuckAt = o.blockedSince
		if err == errWouldBlock && o.closing == nil && o.over(0) && o.stuckFor(now) {
			o.overflow() // past the limit and taking nothing: the client is not reading
		}
		closeBy, dropping := o.closeBy, o.slow || o.quiet
		if dropping && len(o.inflight) > 1 {
			o.dropTaken()
		}
		o.mu.Unlock()
		switch {
		case err == errWouldBlock:
			if now.Sub(o.blockedSince) > o.stallFor || !closeBy.IsZero() && now.After(closeBy) {
				o.mu.Lock()
				o.stalled = true
				o.mu.Unlock()
				o.drop()
				return flushDone
			}
			return flushBlocked
		case err != nil:
			o.drop()
			return flushDone
		}
		o.blockedSince = time.Time{}
	}
	return flushMore
}

// dropTaken discards what was taken but not begun, keeping only the frame the
// socket may be in the middle of: a connection closed as a slow consumer gets
// its close frame next instead of after a queue's worth of stale updates.
func (o *outbox) dropTaken() {
	clear(o.inflight[1:])
	o.inflight = o.inflight[:1]
}

// finish closes the socket once the close frame is out: after the client's
// answer, or a second.
func (o *outbox) finish() {
	o.markDone()
	go func() {
		select {
		case <-o.reader:
		case <-time.After(time.Second):
		}
		o.conn.Close()
		o.onDone()
	}()
}

// drop closes the socket at once.
func (o *outbox) drop() {
	o.markDone()
	o.conn.Close()
	o.onDone()
}

func (o *outbox) markDone() {
	o.mu.Lock()
	o.done, o.frames, o.pong, o.size = true, nil, nil, 0
	o.mu.Unlock()
}
