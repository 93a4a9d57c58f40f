package engine_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/rs/zerolog"

	"github.com/fetchd/fetchd/engine"
	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/engine/task"
)

// logLines parses a captured log, one JSON object a line.
func logLines(t *testing.T, raw string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(raw), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("a log line is not JSON: %v: %q", err, l)
		}
		out = append(out, m)
	}
	return out
}

func findLine(t *testing.T, raw string, match func(map[string]any) bool) map[string]any {
	t.Helper()
	for _, m := range logLines(t, raw) {
		if match(m) {
			return m
		}
	}
	return nil
}

func TestAccessLogAndShutdownSummary(t *testing.T) {
	var logs enginetest.Buffer
	h := enginetest.Start(t, func(c *engine.Config) {
		c.Token = "s3cret"
		c.Logger = zerolog.New(&logs).Level(zerolog.InfoLevel)
	})
	h.Auth = "s3cret"
	gate := make(chan struct{})
	defer close(gate)
	tk := h.Add(map[string]any{"url": h.Origin.Add("/held.bin", &enginetest.File{Data: enginetest.Bytes(2048, 1), Gate: gate})})
	h.WaitState(tk.ID, task.Downloading, 10*time.Second)

	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(h.Srv.URL, "http")+"/api/ws?protocol=tasks&token=s3cret", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if code := h.Call("GET", "/api/downloads?state=DOWNLOADING&limit=5", nil, nil); code != http.StatusOK {
		t.Fatalf("list: %d", code)
	}

	var upgrade map[string]any
	enginetest.Eventually(t, 10*time.Second, "the upgrade's access line", func() bool {
		upgrade = findLine(t, logs.String(), func(m map[string]any) bool { return m["message"] == "request" && m["path"] == "/api/ws" })
		return upgrade != nil
	})
	if upgrade["status"] != 101.0 || upgrade["query"] != "protocol=tasks&token=<redacted>" {
		t.Fatalf("upgrade line: %v", upgrade)
	}
	list := findLine(t, logs.String(), func(m map[string]any) bool {
		return m["message"] == "request" && m["path"] == "/api/downloads" && m["method"] == "GET"
	})
	if list == nil || list["query"] != "state=DOWNLOADING&limit=5" || list["status"] != 200.0 {
		t.Fatalf("list line: %v", list)
	}
	if _, ok := list["duration_ms"].(float64); !ok || list["duration"] != nil {
		t.Fatalf("duration without its unit: %v", list)
	}

	h.Close()
	sum := findLine(t, logs.String(), func(m map[string]any) bool { return strings.HasPrefix(m["message"].(string), "shutdown:") })
	if sum == nil || sum["level"] != "info" || sum["requeued"] != 1.0 || sum["ws_closed"] != 1.0 {
		t.Fatalf("shutdown summary: %v", sum)
	}
	if strings.Contains(logs.String(), "s3cret") {
		t.Fatal("the token reached the log")
	}
}
