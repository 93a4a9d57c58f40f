package engine_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/fetchd/fetchd/engine"
	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/engine/task"
)

// PAUSED goes out with the bytes the part file holds once the transfer has
// let go of it: no later message of the feed moves downloaded.
func TestPausedCarriesTheFinalByteCount(t *testing.T) {
	h := enginetest.Start(t, func(c *engine.Config) { c.ProgressEvery = 10 * time.Millisecond })
	for round := range 3 {
		data := enginetest.Bytes(8<<20, uint64(20+round))
		url := h.Origin.Add("/p"+string(rune('a'+round)), &enginetest.File{Data: data, Rate: 4 << 20, IgnoreRange: true})
		ws, _, err := websocket.DefaultDialer.Dial(strings.Replace(h.Srv.URL, "http", "ws", 1)+"/api/ws", nil)
		if err != nil {
			t.Fatal(err)
		}
		tk := h.Add(map[string]any{"url": url, "connections": 1})
		h.WaitState(tk.ID, task.Downloading, 5*time.Second)
		enginetest.Eventually(t, 5*time.Second, "some bytes", func() bool { return h.Get(tk.ID).Downloaded > 0 })
		h.Action(tk.ID, "pause")

		var paused bool
		var after []jsonObject // what the feed said of the task after PAUSED
		ws.SetReadDeadline(time.Now().Add(2 * time.Second))
		for {
			var msg jsonObject
			if ws.ReadJSON(&msg) != nil {
				break // quiet for a while: everything is out
			}
			var entries []any
			switch msg["type"] {
			case "TASK_UPDATED":
				entries = []any{msg["task"]}
			case "TASK_BATCH_UPDATE":
				entries, _ = msg["tasks"].([]any)
			}
			for _, e := range entries {
				e := e.(jsonObject)
				if e["id"] != tk.ID {
					continue
				}
				if paused {
					after = append(after, e)
				}
				if e["state"] == "PAUSED" {
					paused = true
				}
			}
			ws.SetReadDeadline(time.Now().Add(time.Second))
		}
		ws.Close()
		if !paused {
			t.Fatalf("round %d: no TASK_UPDATED with PAUSED", round)
		}
		for _, e := range after {
			if _, moved := e["downloaded"]; moved {
				t.Fatalf("round %d: downloaded moved after PAUSED: %v", round, e)
			}
		}
	}
}
