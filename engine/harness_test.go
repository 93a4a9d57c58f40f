package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/fetchd/fetchd/engine"
	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/engine/task"
)

// harness is a real engine on a real badger dir, served over a real socket,
// with a loopback origin to download from.
type harness struct {
	t      *testing.T
	cfg    engine.Config
	eng    *engine.Engine
	srv    *httptest.Server
	origin *enginetest.Origin
}

func newHarness(t *testing.T, tweak func(*engine.Config)) *harness {
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
	h := &harness{t: t, cfg: cfg, origin: enginetest.NewOrigin(t)}
	h.open()
	t.Cleanup(h.close)
	return h
}

func (h *harness) open() {
	h.t.Helper()
	eng, err := engine.Open(h.cfg)
	if err != nil {
		h.t.Fatalf("open engine: %v", err)
	}
	h.eng = eng
	h.srv = httptest.NewServer(eng.Handler())
}

func (h *harness) close() {
	if h.eng == nil {
		return
	}
	h.srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.eng.Close(ctx); err != nil {
		h.t.Errorf("close engine: %v", err)
	}
	h.eng = nil
}

// reopen closes the engine and opens a new one on the same directories.
func (h *harness) reopen() {
	h.t.Helper()
	h.close()
	h.open()
}

// call makes a REST request and decodes a JSON answer into out (if not nil).
func (h *harness) call(method, path string, body any, out any, header ...string) int {
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
	req, err := http.NewRequest(method, h.srv.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
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

func (h *harness) add(req map[string]any) task.Task {
	h.t.Helper()
	var t task.Task
	if code := h.call("POST", "/api/downloads", req, &t); code != http.StatusCreated {
		h.t.Fatalf("POST /api/downloads %v: status %d", req, code)
	}
	return t
}

func (h *harness) get(id string) task.Task {
	h.t.Helper()
	var t task.Task
	if code := h.call("GET", "/api/downloads/"+id, nil, &t); code != http.StatusOK {
		h.t.Fatalf("GET task %s: status %d", id, code)
	}
	return t
}

func (h *harness) action(id, action string) (int, map[string]any) {
	h.t.Helper()
	var out map[string]any
	code := h.call("POST", "/api/downloads/"+id+"/"+action, nil, &out)
	return code, out
}

// waitState polls until the task is in state and returns it.
func (h *harness) waitState(id string, state task.State, within time.Duration) task.Task {
	h.t.Helper()
	var t task.Task
	enginetest.Eventually(h.t, within, "task "+id+" to be "+string(state), func() bool {
		t = h.get(id)
		if state != task.Failed && t.State == task.Failed {
			h.t.Fatalf("task %s failed: %v", id, deref(t.ErrorMessage))
		}
		return t.State == state
	})
	return t
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
