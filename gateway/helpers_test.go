package gateway_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/rs/zerolog"

	"github.com/fetchd/fetchd/bus"
	"github.com/fetchd/fetchd/engine"
	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/gateway"
)

// natsServer runs a NATS server for one test.
func natsServer(t *testing.T, listen string) *server.Server {
	t.Helper()
	ns, err := bus.StartServer(listen)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Shutdown)
	return ns
}

// engineOn starts an engine that puts its stream on the bus at url.
func engineOn(t *testing.T, url string) *enginetest.Daemon {
	return enginetest.Start(t, func(c *engine.Config) {
		c.Bus.URL = url
		c.FlushEvery = 100 * time.Millisecond
	})
}

// gatewayOn starts a gateway on the bus at url, served on loopback, and
// waits until it follows the stream.
func gatewayOn(t *testing.T, url string) (*gateway.Gateway, string) {
	t.Helper()
	g, err := gateway.New(gateway.Config{NATS: url, Log: zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel),
		SnapshotWithin: 2 * time.Second, RetryCap: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(g.Handler())
	t.Cleanup(func() { srv.Close(); g.Close(t.Context()) })
	enginetest.Eventually(t, 10*time.Second, "the gateway to follow the stream", g.Ready)
	return g, srv.URL
}

// message is one message as a client got it.
type message struct {
	raw   []byte
	Type  string `json:"type"`
	Event string `json:"event"`
	Seq   uint64 `json:"seq"`
	Epoch string `json:"epoch"`
	Tasks []struct {
		ID string `json:"id"`
	} `json:"tasks"`
}

// client reads one connection into a list a test can poll.
type client struct {
	t    *testing.T
	ws   *websocket.Conn
	mu   sync.Mutex
	msgs []message
	code int // the close code, once closed
	done chan struct{}
}

func dial(t *testing.T, base, query string, compress bool) *client {
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
	c := &client{t: t, ws: ws, done: make(chan struct{})}
	t.Cleanup(func() { ws.Close() })
	go c.read()
	return c
}

func (c *client) read() {
	defer close(c.done)
	for {
		_, raw, err := c.ws.ReadMessage()
		if err != nil {
			if ce, ok := err.(*websocket.CloseError); ok {
				c.mu.Lock()
				c.code = ce.Code
				c.mu.Unlock()
			}
			return
		}
		m := message{raw: raw}
		if err := json.Unmarshal(raw, &m); err != nil {
			c.t.Errorf("not JSON: %q", raw)
		}
		c.mu.Lock()
		c.msgs = append(c.msgs, m)
		c.mu.Unlock()
	}
}

func (c *client) got() []message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]message(nil), c.msgs...)
}

// first waits for the n-th message (from 1).
func (c *client) nth(n int) message {
	c.t.Helper()
	enginetest.Eventually(c.t, 10*time.Second, "message "+string(rune('0'+n)), func() bool { return len(c.got()) >= n })
	return c.got()[n-1]
}

// upTo waits until the client has the message numbered seq.
func (c *client) upTo(seq uint64) {
	c.t.Helper()
	enginetest.Eventually(c.t, 10*time.Second, "the stream to reach its last seq", func() bool {
		got := c.got()
		return len(got) > 0 && got[len(got)-1].Seq >= seq
	})
}

// closedWith waits for the connection to be closed and returns its code.
func (c *client) closedWith() int {
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

func (c *client) send(v any) {
	c.t.Helper()
	if err := c.ws.WriteJSON(v); err != nil {
		c.t.Fatal(err)
	}
}

func health(t *testing.T, base string) int {
	t.Helper()
	resp, err := http.Get(base + "/api/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
