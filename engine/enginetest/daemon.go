package enginetest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/fetchd/fetchd/engine"
	"github.com/fetchd/fetchd/engine/task"
)

// Daemon is a real engine on a real badger dir, served over a real socket,
// with a loopback origin to download from.
type Daemon struct {
	t      *testing.T
	Cfg    engine.Config
	Eng    *engine.Engine
	Srv    *httptest.Server
	Origin *Origin
	Auth   string // when set, Call sends it as a bearer token unless told otherwise

	mu   sync.Mutex // serialises Close
	addr string     // kept across Reopen
}

// Start opens a daemon that closes when the test ends; tweak may change its config.
func Start(t *testing.T, tweak func(*engine.Config)) *Daemon {
	t.Helper()
	cfg := engine.Config{
		DataDir:     t.TempDir(),
		DownloadDir: t.TempDir(),
		Logger:      zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel),
		RetryBase:   20 * time.Millisecond,
		Checkpoint:  100 * time.Millisecond,
	}
	if tweak != nil {
		tweak(&cfg)
	}
	h := &Daemon{t: t, Cfg: cfg, Origin: NewOrigin(t)}
	h.open()
	t.Cleanup(h.Close)
	return h
}

func (h *Daemon) open() {
	h.t.Helper()
	eng, err := engine.Open(h.Cfg)
	if err != nil {
		h.t.Fatalf("open engine: %v", err)
	}
	h.Eng = eng
	h.Srv = httptest.NewUnstartedServer(eng.Handler())
	if h.addr != "" { // a reopened daemon answers where clients knew it
		h.Srv.Listener.Close()
		var ln net.Listener
		Eventually(h.t, 5*time.Second, "the old address to be free", func() bool {
			ln, err = net.Listen("tcp", h.addr)
			return err == nil
		})
		h.Srv.Listener = ln
	}
	h.Srv.Start()
	h.addr = h.Srv.Listener.Addr().String()
}

// Close closes the engine as a graceful stop would.
func (h *Daemon) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.Eng == nil {
		return
	}
	h.Srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.Eng.Close(ctx); err != nil {
		h.t.Errorf("close engine: %v", err)
	}
	h.Eng = nil
}

// Reopen closes the engine and opens a new one on the same directories,
// served at the same address.
func (h *Daemon) Reopen() {
	h.t.Helper()
	h.Close()
	h.open()
}

// Call makes a REST request and decodes a JSON answer into out (if not nil).
func (h *Daemon) Call(method, path string, body any, out any, header ...string) int {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, h.Srv.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if h.Auth != "" {
		req.Header.Set("Authorization", "Bearer "+h.Auth)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			h.t.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode
}

// Add creates a task and fails the test unless it gets 201.
func (h *Daemon) Add(req map[string]any) task.Task {
	h.t.Helper()
	var t task.Task
	if code := h.Call("POST", "/api/downloads", req, &t); code != http.StatusCreated {
		h.t.Fatalf("POST /api/downloads %v: status %d", req, code)
	}
	return t
}

// Get fetches a task.
func (h *Daemon) Get(id string) task.Task {
	h.t.Helper()
	var t task.Task
	if code := h.Call("GET", "/api/downloads/"+id, nil, &t); code != http.StatusOK {
		h.t.Fatalf("GET task %s: status %d", id, code)
	}
	return t
}

// Action posts a task action and returns the status and the answer.
func (h *Daemon) Action(id, action string) (int, map[string]any) {
	h.t.Helper()
	var out map[string]any
	code := h.Call("POST", "/api/downloads/"+id+"/"+action, nil, &out)
	return code, out
}

// BatchItems returns a batch's tasks in page order, failing the test
// unless the daemon answers 200.
func (h *Daemon) BatchItems(id string) []task.Task {
	h.t.Helper()
	var items []task.Task
	if code := h.Call("GET", "/api/downloads/batch/"+id+"/items", nil, &items); code != http.StatusOK {
		h.t.Fatalf("items of batch %s: %d", id, code)
	}
	return items
}

// WaitState polls until the task is in state and returns it.
func (h *Daemon) WaitState(id string, state task.State, within time.Duration) task.Task {
	h.t.Helper()
	var t task.Task
	Eventually(h.t, within, "task "+id+" to be "+string(state), func() bool {
		t = h.Get(id)
		if state != task.Failed && t.State == task.Failed {
			h.t.Fatalf("task %s failed: %v", id, Deref(t.ErrorMessage))
		}
		return t.State == state
	})
	return t
}

// Deref prints an optional string.
func Deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// Exists reports whether path exists.
func Exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
