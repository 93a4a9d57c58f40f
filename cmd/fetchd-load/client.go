package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strconv"
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
}

// client is an actor owning one connection. The connection's reads run on
// their own goroutine, as a socket read blocks.
type client struct {
	id   int
	role role
	opts wsclient.Options
	st   *stats

	self   *actor.PID
	conn   *wsclient.Conn   // the actor's
	live   atomic.Bool      // connected and not yet closed
	mirror *wsclient.Mirror // verify only; under mu
	closed chan struct{}

	mu        sync.Mutex
	closeCode int
	batches   int   // TASK_BATCH_UPDATE inside the measuring window
	lastTS    int64 // of the last batch, to catch reordering
	dups, ooo int
	syncs     int
	stalled   atomic.Bool
}

type (
	dialed struct {
		conn *wsclient.Conn
		err  error
		took time.Duration
	}
	hangUp struct{}
)

func (c *client) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		self, root := ctx.Self(), ctx.ActorSystem().Root
		go func() { // dialing blocks; the actor's mailbox must not
			start := time.Now()
			dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			conn, err := wsclient.Dial(dctx, c.opts)
			root.Send(self, dialed{conn, err, time.Since(start)})
		}()
	case dialed:
		if msg.err != nil {
			c.st.dialFailed.Add(1)
			close(c.closed)
			return
		}
		c.conn = msg.conn
		c.live.Store(true)
		c.st.connect.observe(msg.took)
		c.st.connected.Add(1)
		for _, id := range c.role.subscribe {
			c.conn.Subscribe(id)
		}
		go c.read()
	case hangUp:
		if c.conn != nil {
			c.conn.Close()
		}
	}
}

// read consumes messages: it reads the type and ts without decoding the
// rest, unless the client verifies.
func (c *client) read() {
	defer close(c.closed)
	var buf []byte
	for {
		raw, err := readInto(c.conn, &buf)
		now := time.Now()
		if err != nil {
			c.live.Store(false)
			c.mu.Lock()
			c.closeCode = wsclient.CloseCode(err)
			c.mu.Unlock()
			c.st.closes.add(c.closeCode)
			return
		}
		c.st.messages.Add(1)
		c.st.bytes.Add(int64(len(raw)))
		typ, ts := peek(raw, c.role.events)
		if typ == "SYNC_ALL" || typ == "connect" {
			c.mu.Lock()
			c.syncs++
			c.mu.Unlock()
		} else if ts > 0 {
			c.st.lag.observe(now.Sub(time.UnixMilli(ts)))
		}
		if typ == "TASK_BATCH_UPDATE" && len(c.role.subscribe) == 0 {
			c.countBatch(ts) // a subscriber's batches are its own, with their own ts
		}
		if c.role.verify {
			if m, err := decode(bytes.Clone(raw)); err == nil {
				c.mu.Lock()
				c.mirror.Apply(m)
				c.mu.Unlock()
			}
		}
		if c.role.stall && c.syncsSeen() > 0 {
			c.stalled.Store(true)
			<-c.st.unstall // stop reading until the end of the run
		}
	}
}

func (c *client) syncsSeen() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.syncs
}

// countBatch records a batch by its ts: the server encodes a batch once, so
// every client sees the same ts for it.
func (c *client) countBatch(ts int64) {
	c.st.noteBatch(ts)
	if !c.st.inWindow(ts) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case ts == c.lastTS:
		c.dups++
	case ts < c.lastTS:
		c.ooo++
	}
	c.lastTS = max(c.lastTS, ts)
	c.batches++
}

// peek finds a message's type and ts without decoding it. The tasks dialect
// writes "type" then "ts" first; the events dialect ends with "timestamp".
func peek(raw []byte, events bool) (string, int64) {
	key, tsKey := []byte(`"type":"`), []byte(`"ts":`)
	if events {
		key, tsKey = []byte(`"event":"`), []byte(`"timestamp":`)
	}
	var typ string
	if i := bytes.Index(raw, key); i >= 0 {
		rest := raw[i+len(key):]
		if j := bytes.IndexByte(rest, '"'); j >= 0 {
			typ = string(rest[:j])
		}
	}
	i := bytes.Index(raw, tsKey)
	if events {
		i = bytes.LastIndex(raw, tsKey)
	}
	if i < 0 {
		return typ, 0
	}
	rest := raw[i+len(tsKey):]
	end := bytes.IndexAny(rest, ",}")
	if end < 0 {
		return typ, 0
	}
	ts, _ := strconv.ParseInt(string(rest[:end]), 10, 64)
	return typ, ts
}

func decode(raw []byte) (wsclient.Message, error) {
	var m wsclient.Message
	err := json.Unmarshal(raw, &m)
	m.Raw = raw
	return m, err
}

// readInto reads the next message into *buf, reusing its memory: thousands
// of clients reading every message must not turn the harness into a garbage
// collector benchmark.
func readInto(c *wsclient.Conn, buf *[]byte) ([]byte, error) {
	_, r, err := c.WebSocket().NextReader()
	if err != nil {
		return nil, err
	}
	b := (*buf)[:0]
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			*buf = b
			return b, nil
		}
		if err != nil {
			return nil, err
		}
	}
}
