package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	wsclient "github.com/fetchd/fetchd/wsconn/client"
)

// role is what one client does.
type role struct {
	events    bool     // events dialect
	subscribe []string // ids to subscribe to
	stall     bool     // stop reading after SYNC_ALL
	verify    bool     // apply every message to a mirror
	blink     bool     // drop the connection now and then, and resume it
	channel   string   // a Centrifugo client of this channel, not a fetchd one
}

// client is an actor owning one connection. The connection's reads run on
// their own goroutine, as a socket read blocks.
type client struct {
	id       int
	role     role
	base     string // the daemon
	token    string
	compress bool // offer permessage-deflate
	st       *stats

	self    *actor.PID
	conn    *wire            // the actor's
	live    atomic.Bool      // connected and not yet closed
	joined  atomic.Bool      // connected once
	mirror  *wsclient.Mirror // verify only; under mu
	changed time.Time        // verify only, under mu: when a task message last reached the mirror
	closed  chan struct{}
	ended   sync.Once // closes closed

	mu        sync.Mutex
	closeCode int
	batches   int   // TASK_BATCH_UPDATE inside the measuring window
	lastTS    int64 // of the last batch, to catch reordering
	dups, ooo int
	syncs     int
	stalled   atomic.Bool
	at        wsclient.Position // the last message read
	dropped   *wire             // the connection a blink dropped: its reader stops
	hungUp    bool              // the harness closed the connection at the end
	resumedAt int64             // Unix ms of the last resume: older messages are replays
	resuming  bool              // dropped by a blink, not yet connected again
}

type (
	dialed struct {
		conn *wire
		err  error
		took time.Duration
	}
	hangUp struct{}
	blink  struct{} // drop the connection and resume where it was
)

func (c *client) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		c.dial(ctx, "")
	case dialed:
		if msg.err != nil {
			c.st.dialFailed.Add(1)
			c.live.Store(false)
			c.end()
			return
		}
		c.conn = msg.conn
		c.mu.Lock()
		c.resuming = false
		c.mu.Unlock()
		c.joined.Store(true)
		if !c.live.Swap(true) { // not a resume
			c.st.connect.observe(msg.took)
			c.st.connected.Add(1)
			if msg.conn.deflate {
				c.st.deflated.Add(1)
			}
		}
		for _, id := range c.role.subscribe {
			raw, _ := json.Marshal(map[string]any{"event": "subscribe:download", "data": map[string]string{"downloadId": id}})
			c.conn.send(raw)
		}
		go c.read(c.conn)
	case blink:
		if c.conn == nil || !c.live.Load() {
			return // dialling, or closed for good: nothing to resume
		}
		c.mu.Lock()
		c.dropped = c.conn
		c.resuming = true
		since := c.at.Since()
		c.mu.Unlock()
		c.conn.close() // the reader ends; the actor redials at once
		c.conn = nil
		c.dial(ctx, since)
	case hangUp:
		c.mu.Lock()
		c.hungUp = true
		c.mu.Unlock()
		if c.conn != nil {
			c.conn.close()
		}
	}
}

// end marks the client closed for good.
func (c *client) end() { c.ended.Do(func() { close(c.closed) }) }

// dial connects without blocking the actor's mailbox, resuming after since
// when it is set.
func (c *client) dial(ctx actor.Context, since string) {
	self, root := ctx.Self(), ctx.ActorSystem().Root
	q := url.Values{}
	if c.role.events {
		q.Set("protocol", "events")
	}
	if since != "" {
		q.Set("since", since)
		c.mu.Lock()
		c.resumedAt = time.Now().UnixMilli()
		c.mu.Unlock()
	}
	go func() {
		start := time.Now()
		dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var conn *wire
		var err error
		if c.role.channel != "" {
			conn, err = dialCentrifugo(dctx, c.base, c.role.channel, c.compress)
		} else {
			conn, err = dialWire(dctx, c.base, "/api/ws", q.Encode(), c.token, c.compress)
		}
		root.Send(self, dialed{conn, err, time.Since(start)})
	}()
}

// read consumes messages: it reads the type, ts and seq without decoding
// the rest (nor inflating it), unless the client verifies.
func (c *client) read(conn *wire) {
	first := true
	for {
		raw, wireBytes, err := conn.next(c.role.verify || c.role.channel != "")
		now := time.Now()
		if err != nil {
			c.mu.Lock()
			blinking := c.dropped == conn
			if !blinking && !c.hungUp && closeCodeOf(err) == 0 {
				c.st.readErrors.add(err)
			}
			if !blinking {
				c.closeCode = closeCodeOf(err)
			}
			c.mu.Unlock()
			if !blinking {
				c.live.Store(false)
				c.st.closes.add(c.closeCode)
				c.end()
			}
			return
		}
		c.st.bytes.Add(int64(wireBytes))
		if c.role.verify {
			c.st.wholeWire.Add(int64(wireBytes))
			c.st.wholeInflated.Add(int64(len(raw)))
		}
		if c.role.channel == "" {
			if !c.take(conn, raw, now, &first) {
				return
			}
			continue
		}
		// A Centrifugo frame may carry several messages, a line each.
		for line := range bytes.SplitSeq(raw, []byte{'\n'}) {
			if centrifugoPing(line) {
				conn.send(line) // the pong is the same empty command
				continue
			}
			c.take(conn, line, now, &first)
		}
	}
}

// take accounts for one message read from conn at now; false means conn was
// dropped by a blink, and the message belongs to the resumed stream.
func (c *client) take(conn *wire, raw []byte, now time.Time, first *bool) bool {
	c.st.messages.Add(1)
	h := peek(raw, c.role.events)
	var decoded wsclient.Message
	var decodeErr error
	if c.role.verify { // decoded apart from the lock; applied before raw's buffer is read into again
		decodeErr = json.Unmarshal(raw, &decoded)
	}
	c.mu.Lock()
	if c.dropped != nil && c.dropped == conn {
		c.mu.Unlock()
		return false
	}
	replay := h.ts < c.resumedAt
	if *first && c.resumedAt > 0 {
		if h.typ == "SYNC_ALL" {
			c.st.resynced.Add(1)
		} else {
			c.st.replayed.Add(1)
		}
	}
	*first = false
	if h.typ == "SYNC_ALL" || h.typ == "connect" {
		c.syncs++
	}
	c.at.Advance(wsclient.Message{Type: h.typ, Seq: h.seq, Epoch: h.epoch})
	// Applied with the position it moves, under one lock: a blink between
	// the two would let the resumed stream's messages in before this one.
	if c.role.verify && decodeErr == nil {
		c.mirror.Apply(decoded)
		if strings.HasPrefix(h.typ, "TASK_") || h.typ == "SYNC_ALL" {
			c.changed = now
		}
	}
	if h.typ == "TASK_BATCH_UPDATE" && len(c.role.subscribe) == 0 {
		c.countBatch(h.ts) // a subscriber's batches are its own, with their own ts
	}
	c.mu.Unlock()
	timed := !c.st.batchLagOnly || h.typ == "TASK_BATCH_UPDATE"
	if h.typ != "SYNC_ALL" && h.typ != "connect" && h.ts > 0 && !replay && timed {
		c.st.lag.observe(now.Sub(time.UnixMilli(h.ts)))
	}
	if c.role.stall && c.syncsSeen() > 0 {
		c.stalled.Store(true)
		<-c.st.unstall // stop reading until the end of the run
	}
	return true
}

func (c *client) syncsSeen() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.syncs
}

// countBatch records a batch by its ts: the server encodes a batch once, so
// every client sees the same ts for it. c.mu is held, so that a blink takes
// the position and the count of the same messages.
func (c *client) countBatch(ts int64) {
	c.st.noteBatch(ts)
	if !c.st.inWindow(ts) {
		return
	}
	switch {
	case ts == c.lastTS:
		c.dups++
	case ts < c.lastTS:
		c.ooo++
	}
	c.lastTS = max(c.lastTS, ts)
	c.batches++
}

// head is what the harness reads of every message.
type head struct {
	typ   string
	ts    int64
	seq   uint64
	epoch string
}

// peek finds a message's type, ts, seq and epoch without decoding it. The
// tasks dialect writes them first; the events dialect ends with "timestamp".
func peek(raw []byte, events bool) head {
	var h head
	if events {
		h.typ = stringAfter(raw, `"event":"`)
		if i := bytes.LastIndex(raw, []byte(`"timestamp":`)); i >= 0 {
			h.ts = int64(numberAt(raw[i+len(`"timestamp":`):]))
		}
		return h
	}
	h.typ = stringAfter(raw, `"type":"`)
	if i := bytes.Index(raw, []byte(`"ts":`)); i >= 0 {
		h.ts = int64(numberAt(raw[i+len(`"ts":`):]))
	}
	if i := bytes.Index(raw, []byte(`"seq":`)); i >= 0 {
		h.seq = numberAt(raw[i+len(`"seq":`):])
	}
	if h.typ == "SYNC_ALL" {
		h.epoch = stringAfter(raw, `"epoch":"`)
	}
	return h
}

func stringAfter(raw []byte, key string) string {
	i := bytes.Index(raw, []byte(key))
	if i < 0 {
		return ""
	}
	rest := raw[i+len(key):]
	if j := bytes.IndexByte(rest, '"'); j >= 0 {
		return string(rest[:j])
	}
	return ""
}

func numberAt(b []byte) uint64 {
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + uint64(c-'0')
	}
	return n
}
