// Package client is the Go client of a fetchd daemon: REST for its API, and
// for its WebSocket a connection, a Mirror of the tasks, and Follow, which
// reconnects.
package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Options say where and how to connect.
type Options struct {
	Server   string // the daemon's base URL (http://host:port) or a ws:// URL of /api/ws
	Token    string
	Protocol string // "tasks" (default) or "events"
	Origin   string // sent as the Origin header when set
	// Subscriptions are sent right after each connect, so Follow renews
	// them on every reconnect; empty receives everything.
	Subscriptions []string
	// Since resumes the stream after a message ("<epoch>:<seq>", see
	// Position.Since): the server sends what was missed instead of a
	// SYNC_ALL, or a SYNC_ALL when it no longer can.
	Since string
	// NoCompression turns off permessage-deflate, which is on by default as
	// in browsers.
	NoCompression bool
}

// Conn is one WebSocket connection to a daemon.
type Conn struct {
	ws *websocket.Conn
	mu sync.Mutex // one writer at a time
}

// wsURL turns a daemon base URL into the WebSocket URL for opts.
func wsURL(opts Options) (string, error) {
	u, err := url.Parse(opts.Server)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("bad server address %q", opts.Server)
	}
	switch u.Scheme {
	case "http", "ws":
		u.Scheme = "ws"
	case "https", "wss":
		u.Scheme = "wss"
	default:
		return "", fmt.Errorf("bad server address %q: use http(s):// or ws(s)://", opts.Server)
	}
	if !strings.HasSuffix(u.Path, "/api/ws") {
		u.Path = strings.TrimRight(u.Path, "/") + "/api/ws"
	}
	q := u.Query()
	if opts.Protocol != "" {
		q.Set("protocol", opts.Protocol)
	}
	if opts.Since != "" {
		q.Set("since", opts.Since)
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// Dial opens a connection.
func Dial(ctx context.Context, opts Options) (*Conn, error) {
	endpoint, err := wsURL(opts)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	if opts.Token != "" {
		h.Set("Authorization", "Bearer "+opts.Token)
	}
	if opts.Origin != "" {
		h.Set("Origin", opts.Origin)
	}
	dialer := *websocket.DefaultDialer
	dialer.EnableCompression = !opts.NoCompression
	ws, resp, err := dialer.DialContext(ctx, endpoint, h)
	if err != nil {
		if resp != nil {
			var body struct{ Message string }
			json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&body)
			resp.Body.Close()
			if body.Message != "" {
				return nil, fmt.Errorf("connect to %s: %s: %s", endpoint, resp.Status, body.Message)
			}
			return nil, fmt.Errorf("connect to %s: %s", endpoint, resp.Status)
		}
		return nil, fmt.Errorf("connect to %s: %w", endpoint, err)
	}
	c := &Conn{ws: ws}
	for _, id := range opts.Subscriptions {
		if err := c.Subscribe(id); err != nil {
			ws.Close()
			return nil, fmt.Errorf("subscribe to %s: %w", id, err)
		}
	}
	// The server pings every 30 s: a connection silent for longer than two
	// of those is dead, even if TCP has not noticed.
	alive := func() { ws.SetReadDeadline(time.Now().Add(silentFor)) }
	alive()
	ws.SetPingHandler(func(data string) error {
		alive()
		return ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(10*time.Second))
	})
	return c, nil
}

// silentFor is how long a client waits for any frame before it gives up.
const silentFor = 75 * time.Second

// Read returns the next message. A closed connection is a *websocket.CloseError
// when the server said why (see CloseCode).
func (c *Conn) Read() (Message, error) {
	_, raw, err := c.ws.ReadMessage()
	if err != nil {
		return Message{}, err
	}
	c.ws.SetReadDeadline(time.Now().Add(silentFor))
	var m Message
	if err := json.Unmarshal(raw, &m); err != nil {
		return Message{}, fmt.Errorf("server sent malformed JSON: %w", err)
	}
	m.Raw = raw
	return m, nil
}

// Subscribe limits the connection to a task or batch id (and any others
// subscribed to).
func (c *Conn) Subscribe(id string) error { return c.send("subscribe:download", id) }

// Unsubscribe removes an id from the connection's set.
func (c *Conn) Unsubscribe(id string) error { return c.send("unsubscribe:download", id) }

func (c *Conn) send(event, id string) error {
	raw, _ := json.Marshal(map[string]any{"event": event, "data": map[string]string{"downloadId": id}})
	return c.SendRaw(raw)
}

// SendRaw sends a text frame as it is.
func (c *Conn) SendRaw(raw []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ws.WriteMessage(websocket.TextMessage, raw)
}

// WebSocket exposes the underlying connection, for deadlines and tests.
func (c *Conn) WebSocket() *websocket.Conn { return c.ws }

// Close closes the connection.
func (c *Conn) Close() error { return c.ws.Close() }

// CloseCode is the code of the close frame behind err, or 0.
func CloseCode(err error) int {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return 0
}
