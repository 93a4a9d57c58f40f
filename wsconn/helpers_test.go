package wsconn_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/engine/task"
	"github.com/fetchd/fetchd/wsconn/client"
)

func dial(t *testing.T, h *enginetest.Daemon, opts client.Options) *client.Conn {
	t.Helper()
	opts.Server = h.Srv.URL
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, opts)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// next reads one message, failing the test after within.
func next(t *testing.T, c *client.Conn, within time.Duration) client.Message {
	t.Helper()
	c.WebSocket().SetReadDeadline(time.Now().Add(within))
	m, err := c.Read()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return m
}

// nextOf skips messages until one of type typ arrives.
func nextOf(t *testing.T, c *client.Conn, typ string, within time.Duration) client.Message {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		m := next(t, c, time.Until(deadline))
		if m.Type == typ {
			return m
		}
	}
}

// fields decodes a raw object into its keys.
func fields(t *testing.T, raw json.RawMessage) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return m
}

// watcher reads a connection in the background into a mirror and a log.
type watcher struct {
	c      *client.Conn
	mu     sync.Mutex
	mirror *client.Mirror
	log    []client.Message
	at     []time.Time
	err    error
	done   chan struct{}
}

func watch(t *testing.T, c *client.Conn) *watcher { return watchFrom(t, c, client.NewMirror()) }

// watchFrom is watch with a mirror that already holds a state: a resumed
// connection continues it.
func watchFrom(t *testing.T, c *client.Conn, m *client.Mirror) *watcher {
	w := &watcher{c: c, mirror: m, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for {
			m, err := c.Read()
			now := time.Now()
			w.mu.Lock()
			if err != nil {
				w.err = err
				w.mu.Unlock()
				return
			}
			w.log = append(w.log, m)
			w.at = append(w.at, now)
			if aerr := w.mirror.Apply(m); aerr != nil {
				t.Errorf("apply %s: %v", m.Raw, aerr)
			}
			w.mu.Unlock()
		}
	}()
	return w
}

func (w *watcher) messages() ([]client.Message, []time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]client.Message(nil), w.log...), append([]time.Time(nil), w.at...)
}

func (w *watcher) count(typ string) int {
	msgs, _ := w.messages()
	n := 0
	for _, m := range msgs {
		if m.Type == typ {
			n++
		}
	}
	return n
}

// canonical renders tasks by id as JSON, for comparing two views.
func canonical(tasks map[string]task.Task) string {
	raw, _ := json.Marshal(tasks)
	return string(raw)
}

// serverTasks is GET /api/downloads, every task, by id.
func serverTasks(t *testing.T, h *enginetest.Daemon) map[string]task.Task {
	var page struct{ Downloads []task.Task }
	h.Call("GET", "/api/downloads?limit=1000", nil, &page)
	out := map[string]task.Task{}
	for _, tk := range page.Downloads {
		out[tk.ID] = tk
	}
	return out
}
