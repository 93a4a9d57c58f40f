package wsconn_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/engine/task"
	"github.com/fetchd/fetchd/wsconn/client"
)

// event is one message of the events dialect.
type event struct {
	Event     string         `json:"event"`
	Data      map[string]any `json:"data"`
	Timestamp int64          `json:"timestamp"`
}

func nextEvent(t *testing.T, c *client.Conn, within time.Duration) event {
	t.Helper()
	m := next(t, c, within)
	var ev event
	if err := json.Unmarshal(m.Raw, &ev); err != nil || ev.Event == "" || ev.Timestamp == 0 || ev.Data == nil {
		t.Fatalf("not an events-dialect message: %s (%v)", m.Raw, err)
	}
	return ev
}

// untilEvent reads events, handing each to seen, until one named name arrives.
func untilEvent(t *testing.T, c *client.Conn, name string, seen func(event)) event {
	t.Helper()
	for {
		ev := nextEvent(t, c, 10*time.Second)
		if seen != nil {
			seen(ev)
		}
		if ev.Event == name {
			return ev
		}
	}
}

func postBatch(t *testing.T, h *enginetest.Daemon, body map[string]any) (string, []task.Task) {
	t.Helper()
	var b struct {
		BatchID string      `json:"batch_id"`
		Tasks   []task.Task `json:"tasks"`
	}
	if code := h.Call("POST", "/api/batches", body, &b); code != http.StatusCreated {
		t.Fatalf("create batch: %d", code)
	}
	return b.BatchID, b.Tasks
}

func TestEventsDialectFollowsAChapter(t *testing.T) {
	h := enginetest.Start(t, nil)
	c := dial(t, h, client.Options{Protocol: "events"})
	if ev := nextEvent(t, c, 2*time.Second); ev.Event != "connect" || ev.Data["protocol"] != "events" || ev.Data["message"] == "" {
		t.Fatalf("first event %+v", ev)
	}
	pages := []map[string]any{}
	for _, p := range []string{"/c/1.jpg", "/c/2.jpg", "/c/3.jpg"} {
		pages = append(pages, map[string]any{"url": h.Origin.Add(p, &enginetest.File{Data: enginetest.Bytes(300<<10, 1), Rate: 1 << 20})})
	}
	id, _ := postBatch(t, h, map[string]any{"batch_name": "Chapter 1", "items": pages,
		"meta": map[string]string{"mangaId": "manga-9", "chapterId": "ch-1", "extensionId": "ext-2"}})

	var progress []event
	var pagesDone []float64
	chapters := 0
	record := func(ev event) {
		switch ev.Event {
		case "download:progress":
			progress = append(progress, ev)
		case "download:page:complete":
			pagesDone = append(pagesDone, ev.Data["pageNumber"].(float64))
		case "download:chapter:complete":
			chapters++
		}
	}
	started := untilEvent(t, c, "download:started", record)
	if started.Data["downloadId"] != id || started.Data["mangaId"] != "manga-9" || started.Data["chapterId"] != "ch-1" {
		t.Fatalf("download:started %+v", started.Data)
	}
	added := untilEvent(t, c, "library:item:added", record)
	if added.Data["title"] != "Chapter 1" || added.Data["mangaId"] != "manga-9" || added.Data["extensionId"] != "ext-2" || added.Data["status"] != "new" || added.Data["favorite"] != false {
		t.Fatalf("library:item:added %+v", added.Data)
	}
	if len(pagesDone) != 3 || pagesDone[0]+pagesDone[1]+pagesDone[2] != 6 {
		t.Fatalf("page:complete numbers %v, want 1, 2 and 3", pagesDone)
	}
	if chapters != 1 {
		t.Fatalf("chapter:complete %d times", chapters)
	}
	// Progress climbs to 3 of 3 and 100 %, and never falls; the flush after
	// the last page may come after the library event.
	for len(progress) == 0 || progress[len(progress)-1].Data["currentPage"] != 3.0 {
		untilEvent(t, c, "download:progress", record)
	}
	lastPct, lastPage := -1.0, -1.0
	for _, p := range progress {
		pct, page := p.Data["percentage"].(float64), p.Data["currentPage"].(float64)
		if p.Data["totalPages"] != 3.0 || p.Data["downloadId"] != id || pct < lastPct || page < lastPage {
			t.Fatalf("progress went %v%% page %v after %v%% page %v: %+v", pct, page, lastPct, lastPage, p.Data)
		}
		lastPct, lastPage = pct, page
	}
	if lastPct != 100 || lastPage != 3 {
		t.Fatalf("progress ended at %v%% page %v", lastPct, lastPage)
	}

	var lib struct{ Items []task.LibraryItem }
	h.Call("GET", "/api/library", nil, &lib)
	itemID := lib.Items[0].ID
	h.Call("PATCH", "/api/library/"+itemID, map[string]any{"favorite": true, "title": "Chapter One"}, nil)
	upd := untilEvent(t, c, "library:item:updated", nil)
	changes, _ := upd.Data["changes"].(map[string]any)
	if upd.Data["libraryId"] != itemID || changes["favorite"] != true || changes["title"] != "Chapter One" || len(changes) != 2 || upd.Data["favorite"] != true {
		t.Fatalf("library:item:updated %+v", upd.Data)
	}
	h.Call("DELETE", "/api/library/"+itemID, nil, nil)
	rm := untilEvent(t, c, "library:item:removed", nil)
	if rm.Data["libraryId"] != itemID || rm.Data["title"] != "Chapter One" || rm.Data["status"] != nil {
		t.Fatalf("library:item:removed %+v", rm.Data)
	}
}

func TestEventsDialectFailureCancelAndSubscriptions(t *testing.T) {
	h := enginetest.Start(t, nil)
	gate := make(chan struct{})
	t.Cleanup(func() { close(gate) })
	watched, _ := postBatch(t, h, map[string]any{"batch_name": "watched", "items": []map[string]any{
		{"url": h.Origin.Add("/w1", &enginetest.File{Data: []byte("w"), Gate: gate})},
		{"url": h.Origin.URL + "/w-missing"},
	}})
	other, _ := postBatch(t, h, map[string]any{"batch_name": "other", "items": []map[string]any{
		{"url": h.Origin.URL + "/o-missing"},
	}})

	c := dial(t, h, client.Options{Protocol: "events"})
	nextEvent(t, c, 2*time.Second)
	c.Subscribe(watched)
	if ack := untilEvent(t, c, "subscription:ack", nil); ack.Data["action"] != "subscribed" || ack.Data["type"] != "download" || ack.Data["downloadId"] != watched {
		t.Fatalf("ack %+v", ack.Data)
	}
	h.Call("POST", "/api/downloads/batch/"+other+"/retry", nil, nil) // fails again, unseen
	h.Call("POST", "/api/downloads/batch/"+watched+"/retry", nil, nil)
	failed := untilEvent(t, c, "download:failed", nil)
	if failed.Data["downloadId"] != watched || !strings.Contains(failed.Data["error"].(string), "404") {
		t.Fatalf("download:failed %+v", failed.Data)
	}
	h.Call("POST", "/api/downloads/batch/"+watched+"/cancel", nil, nil)
	cancelled := untilEvent(t, c, "download:cancelled", func(ev event) {
		if ev.Data["downloadId"] == other {
			t.Fatalf("event about an unsubscribed download: %+v", ev)
		}
	})
	if cancelled.Data["downloadId"] != watched || cancelled.Data["chapterId"] != watched {
		t.Fatalf("download:cancelled %+v", cancelled.Data)
	}

	c.SendRaw([]byte(`{"event":"subscribe:download","data":{"downloadId":""}}`))
	if ev := untilEvent(t, c, "error", nil); !strings.Contains(ev.Data["message"].(string), "downloadId") {
		t.Fatalf("error %+v", ev.Data)
	}
	c.SendRaw([]byte(`nope`))
	untilEvent(t, c, "error", nil)
}

func TestTasksDialectLibraryMessages(t *testing.T) {
	h := enginetest.Start(t, nil)
	c := dial(t, h, client.Options{})
	nextOf(t, c, "SYNC_ALL", 2*time.Second)
	c.Subscribe("some-other-download") // library events reach everyone anyway
	tk := h.Add(map[string]any{"url": h.Origin.Add("/book.epub", &enginetest.File{Data: []byte("book")})})
	added := nextOf(t, c, "LIBRARY_ITEM_ADDED", 5*time.Second)
	var item task.LibraryItem
	if err := json.Unmarshal(added.Raw, &struct{ Item *task.LibraryItem }{&item}); err != nil || item.BatchID != tk.ID || item.Title != "book.epub" || len(item.Files) != 1 {
		t.Fatalf("LIBRARY_ITEM_ADDED %s", added.Raw)
	}
	h.Call("PATCH", "/api/library/"+item.ID, map[string]any{"status": "done"}, nil)
	upd := nextOf(t, c, "LIBRARY_ITEM_UPDATED", 2*time.Second)
	if !strings.Contains(string(upd.Raw), `"changes":{"status":"done"}`) || !strings.Contains(string(upd.Raw), `"status":"done"`) {
		t.Fatalf("LIBRARY_ITEM_UPDATED %s", upd.Raw)
	}
	h.Call("DELETE", "/api/library/"+item.ID, nil, nil)
	if rm := nextOf(t, c, "LIBRARY_ITEM_REMOVED", 2*time.Second); !strings.Contains(string(rm.Raw), `"library_id":"`+item.ID+`"`) {
		t.Fatalf("LIBRARY_ITEM_REMOVED %s", rm.Raw)
	}
}
