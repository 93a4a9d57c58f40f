package enginetest

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Message is one WebSocket message as a test client got it, with the
// fields tests look at.
type Message struct {
	Raw   []byte
	Type  string `json:"type"`
	Event string `json:"event"`
	Seq   uint64 `json:"seq"`
	Epoch string `json:"epoch"`
	Tasks []struct {
		ID string `json:"id"`
	} `json:"tasks"`
}

// Socket is a raw WebSocket client that reads its connection into a list a
// test can poll: the frames exactly as the server sent them.
type Socket struct {
	t    *testing.T
	WS   *websocket.Conn
	mu   sync.Mutex
	msgs []Message
	code int // the close code, once closed
	done chan struct{}
}

// DialSocket opens base's /api/ws with query, negotiating permessage-deflate
// when compress is set; the socket closes when the test ends.
func DialSocket(t *testing.T, base, query string, compress bool) *Socket {
	t.Helper()
	d := websocket.Dialer{EnableCompression: compress, HandshakeTimeout: 5 * time.Second}
	ws, resp, err := d.Dial("ws"+strings.TrimPrefix(base, "http")+"/api/ws"+query, nil)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial %s%s: %v (%d)", base, query, err, status)
	}
	c := &Socket{t: t, WS: ws, done: make(chan struct{})}
	t.Cleanup(func() { ws.Close() })
	go c.read()
	return c
}

func (c *Socket) read() {
	defer close(c.done)
	for {
		_, raw, err := c.WS.ReadMessage()
		if err != nil {
			if ce, ok := err.(*websocket.CloseError); ok {
				c.mu.Lock()
				c.code = ce.Code
				c.mu.Unlock()
			}
			return
		}
		m := Message{Raw: raw}
		if err := json.Unmarshal(raw, &m); err != nil {
			c.t.Errorf("not JSON: %q", raw)
		}
		c.mu.Lock()
		c.msgs = append(c.msgs, m)
		c.mu.Unlock()
	}
}

// Got is every message so far.
func (c *Socket) Got() []Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Message(nil), c.msgs...)
}

// Nth waits for the n-th message (from 1).
func (c *Socket) Nth(n int) Message {
	c.t.Helper()
	Eventually(c.t, 10*time.Second, fmt.Sprintf("message %d", n), func() bool { return len(c.Got()) >= n })
	return c.Got()[n-1]
}

// UpTo waits until the socket has the message numbered seq.
func (c *Socket) UpTo(seq uint64) {
	c.t.Helper()
	Eventually(c.t, 10*time.Second, "the stream to reach its last seq", func() bool {
		got := c.Got()
		return len(got) > 0 && got[len(got)-1].Seq >= seq
	})
}

// ClosedWith waits for the connection to be closed and returns its code.
func (c *Socket) ClosedWith() int {
	c.t.Helper()
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		c.t.Fatal("the connection stayed open")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.code
}

// Send writes v as JSON.
func (c *Socket) Send(v any) {
	c.t.Helper()
	if err := c.WS.WriteJSON(v); err != nil {
		c.t.Fatal(err)
	}
}
