package engine_test

// JAMRA's renderer (src/lib/websocket-client.ts, src/constants/websocket.ts,
// src/types/websocket.ts and src/hooks/useWebSocketBridge.ts in
// ShoobyDoo/jamra-2) against a real daemon. What it sends and reads, from
// its source:
//
//   - it connects to VITE_WS_URL (here /api/ws?protocol=events) and sends
//     {"event":"subscribe:download","data":{"downloadId":...},"timestamp":<ms>};
//   - every message is {event, data, timestamp}; it dispatches on `event` and
//     hands `data` to the listeners, which read: download:started {downloadId,
//     mangaId, chapterId}, download:progress {downloadId, chapterId,
//     currentPage, totalPages, percentage}, download:chapter:complete
//     {totalPages}, download:failed {error}, download:cancelled {downloadId},
//     library:item:added|updated|removed {libraryId, title, ...}.

import (
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/fetchd/fetchd/engine"
	"github.com/fetchd/fetchd/engine/enginetest"
)

// jamraField is a field a listener reads and the JSON type it expects.
type jamraField struct {
	name string
	kind string // "string", "number" or "bool"
}

var jamraPayloads = map[string][]jamraField{
	"subscription:ack":          {{"action", "string"}, {"type", "string"}, {"downloadId", "string"}},
	"download:started":          {{"downloadId", "string"}, {"mangaId", "string"}, {"chapterId", "string"}, {"timestamp", "number"}},
	"download:progress":         {{"downloadId", "string"}, {"chapterId", "string"}, {"currentPage", "number"}, {"totalPages", "number"}, {"percentage", "number"}, {"timestamp", "number"}},
	"download:page:complete":    {{"downloadId", "string"}, {"chapterId", "string"}, {"pageNumber", "number"}, {"timestamp", "number"}},
	"download:chapter:complete": {{"downloadId", "string"}, {"chapterId", "string"}, {"totalPages", "number"}, {"timestamp", "number"}},
	"download:failed":           {{"downloadId", "string"}, {"chapterId", "string"}, {"error", "string"}, {"timestamp", "number"}},
	"download:cancelled":        {{"downloadId", "string"}, {"chapterId", "string"}, {"timestamp", "number"}},
	"library:item:added":        {{"libraryId", "string"}, {"mangaId", "string"}, {"extensionId", "string"}, {"title", "string"}, {"status", "string"}, {"favorite", "bool"}, {"timestamp", "number"}},
}

func checkJamraPayload(t *testing.T, event string, data jsonObject) {
	t.Helper()
	for _, f := range jamraPayloads[event] {
		ok := false
		switch v := data[f.name]; f.kind {
		case "string":
			_, ok = v.(string)
		case "number":
			_, ok = v.(float64)
		case "bool":
			_, ok = v.(bool)
		}
		if !ok {
			t.Fatalf("%s: %s is %v, JAMRA reads a %s: %v", event, f.name, data[f.name], f.kind, data)
		}
	}
}

func TestJAMRAClientReceivesEveryEventItSubscribesTo(t *testing.T) {
	h := enginetest.Start(t, func(c *engine.Config) { n := 4; c.Settings.MaxConcurrent = &n })
	ws, _, err := websocket.DefaultDialer.Dial(strings.Replace(h.Srv.URL, "http", "ws", 1)+"/api/ws?protocol=events", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	events := make(chan jsonObject, 256)
	go func() {
		defer close(events)
		for {
			var m jsonObject
			if ws.ReadJSON(&m) != nil {
				return
			}
			events <- m
		}
	}()
	next := func(want string) jsonObject {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			select {
			case m, ok := <-events:
				if !ok {
					t.Fatalf("connection closed waiting for %s", want)
				}
				if _, isNum := m["timestamp"].(float64); !isNum {
					t.Fatalf("message without a numeric timestamp: %v", m)
				}
				data, _ := m["data"].(jsonObject)
				if m["event"] == want {
					checkJamraPayload(t, want, data)
					return data
				}
			case <-deadline:
				t.Fatalf("no %s within 10 s", want)
			}
		}
	}
	next("connect")
	// nextAbout is the next event of that name about one download.
	nextAbout := func(want, id string) jsonObject {
		t.Helper()
		for {
			if d := next(want); d["downloadId"] == id {
				return d
			}
		}
	}

	gate := make(chan struct{})
	chapter := h.Call("POST", "/api/batches", map[string]any{
		"batch_name": "Chapter 1", "meta": map[string]string{"mangaId": "m-1", "chapterId": "c-1", "extensionId": "ext"},
		"items": []map[string]any{
			{"url": h.Origin.Add("/p1.jpg", &enginetest.File{Data: []byte("page one"), Gate: gate})},
			{"url": h.Origin.Add("/p2.jpg", &enginetest.File{Data: []byte("page two"), Gate: gate})},
		},
	}, nil)
	if chapter != 201 {
		t.Fatalf("create chapter batch: %d", chapter)
	}
	var batches struct {
		Batches []struct {
			BatchID string `json:"batch_id"`
		} `json:"batches"`
	}
	h.Call("GET", "/api/downloads/batches", nil, &batches)
	id := batches.Batches[0].BatchID
	other := h.Add(map[string]any{"url": h.Origin.Add("/unseen.jpg", &enginetest.File{Data: []byte("x")})})

	// The client's own subscribe message, timestamp and all.
	send := func(event, downloadID string) {
		t.Helper()
		if err := ws.WriteJSON(jsonObject{"event": event, "data": jsonObject{"downloadId": downloadID}, "timestamp": time.Now().UnixMilli()}); err != nil {
			t.Fatal(err)
		}
	}
	// Before any subscription it hears of every download.
	if d := nextAbout("download:started", id); d["mangaId"] != "m-1" || d["chapterId"] != "c-1" {
		t.Fatalf("started %v", d)
	}
	send("subscribe:download", id)
	if ack := next("subscription:ack"); ack["action"] != "subscribed" || ack["downloadId"] != id {
		t.Fatalf("ack %v", ack)
	}
	close(gate)
	next("download:page:complete")
	if d := next("download:chapter:complete"); d["totalPages"] != 2.0 {
		t.Fatalf("chapter complete %v", d)
	}
	if d := next("library:item:added"); d["mangaId"] != "m-1" || d["extensionId"] != "ext" {
		t.Fatalf("library item %v", d)
	}
	enginetest.Eventually(t, 10*time.Second, "the last progress of the chapter", func() bool {
		d := next("download:progress")
		return d["downloadId"] == id && d["percentage"] == 100.0 && d["currentPage"] == 2.0 && d["totalPages"] == 2.0
	})

	// A failure and a cancel of downloads it subscribes to reach it too.
	// Subscribed before it exists, so the failure cannot come first.
	send("subscribe:download", "chapter-2")
	for next("subscription:ack")["downloadId"] != "chapter-2" {
	}
	h.Add(map[string]any{"url": h.Origin.URL + "/missing.jpg", "batch_id": "chapter-2", "batch_name": "Chapter 2"})
	if d := nextAbout("download:failed", "chapter-2"); d["error"] == "" {
		t.Fatalf("failed %v", d)
	}
	held := make(chan struct{})
	defer close(held)
	waiting := h.Add(map[string]any{"url": h.Origin.Add("/held.jpg", &enginetest.File{Data: []byte("h"), Gate: held}), "batch_name": "Chapter 3"})
	send("subscribe:download", waiting.ID) // a page's own id names its chapter
	for next("subscription:ack")["downloadId"] != waiting.ID {
	}
	if code, _ := h.Action(waiting.ID, "cancel"); code != 200 {
		t.Fatalf("cancel: %d", code)
	}
	nextAbout("download:cancelled", *waiting.BatchID)

	// Nothing about the download it never subscribed to came through.
	for {
		select {
		case m := <-events:
			if data, _ := m["data"].(jsonObject); data["downloadId"] == other.ID {
				t.Fatalf("an event of an unsubscribed download: %v", m)
			}
			continue
		default:
		}
		break
	}
}
