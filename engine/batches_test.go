package engine_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fetchd/fetchd/engine"
	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/engine/task"
)

type batchCreated struct {
	BatchID   string      `json:"batch_id"`
	BatchName string      `json:"batch_name"`
	Tasks     []task.Task `json:"tasks"`
}

type batchList struct {
	Batches    []task.BatchSummary `json:"batches"`
	Standalone []task.Task         `json:"standalone"`
}

func summaryOf(t *testing.T, h *enginetest.Daemon, id string) task.BatchSummary {
	t.Helper()
	var list batchList
	h.Call("GET", "/api/downloads/batches", nil, &list)
	for _, b := range list.Batches {
		if b.BatchID == id {
			return b
		}
	}
	t.Fatalf("batch %s not listed", id)
	return task.BatchSummary{}
}

func TestBatchCreateListAndAggregateStates(t *testing.T) {
	h := enginetest.Start(t, func(c *engine.Config) { n := 1; c.Settings.MaxConcurrent = &n })
	gate := make(chan struct{})
	ok1 := h.Origin.Add("/ep1", &enginetest.File{Data: []byte("one"), Gate: gate})
	ok2 := h.Origin.Add("/ep2", &enginetest.File{Data: []byte("two")})
	var b batchCreated
	code := h.Call("POST", "/api/batches", map[string]any{
		"batch_name": "Season 1", "destination": "shows/s1", "priority": 3, "meta": map[string]string{"mangaId": "m1"},
		"items": []map[string]any{{"url": ok1}, {"url": ok2, "filename": "second.bin"}},
	}, &b)
	if code != http.StatusCreated || b.BatchID == "" || b.BatchName != "Season 1" || len(b.Tasks) != 2 {
		t.Fatalf("create batch: %d %+v", code, b)
	}
	for _, tk := range b.Tasks {
		if tk.BatchID == nil || *tk.BatchID != b.BatchID || tk.Destination != "shows/s1" || tk.Priority != 3 || tk.Meta["mangaId"] != "m1" {
			t.Fatalf("batch item %+v", tk)
		}
	}
	h.WaitState(b.Tasks[0].ID, task.Downloading, 5*time.Second)
	if s := summaryOf(t, h, b.BatchID); s.State != task.Downloading || s.TotalItems != 2 || s.DownloadingItems != 1 || s.QueuedItems != 1 || s.BatchName != "Season 1" {
		t.Fatalf("summary while running: %+v", s)
	}
	var affected struct{ Affected int }
	h.Call("POST", "/api/downloads/batch/"+b.BatchID+"/pause", nil, &affected)
	if affected.Affected != 2 {
		t.Fatalf("batch pause affected %d", affected.Affected)
	}
	if s := summaryOf(t, h, b.BatchID); s.State != task.Paused || s.PausedItems != 2 {
		t.Fatalf("summary when paused: %+v", s)
	}
	close(gate)
	h.Call("POST", "/api/downloads/batch/"+b.BatchID+"/resume", nil, &affected)
	h.WaitState(b.Tasks[0].ID, task.Completed, 10*time.Second)
	h.WaitState(b.Tasks[1].ID, task.Completed, 10*time.Second)
	s := summaryOf(t, h, b.BatchID)
	if s.State != task.Completed || s.CompletedItems != 2 || s.Progress != 100 || s.TotalSize != 6 || s.DownloadedSize != 6 {
		t.Fatalf("summary when done: %+v", s)
	}
	fileIs(t, h, "shows/s1/second.bin", []byte("two"))

	// A failing item fails the batch; a new item joins by batch_id.
	bad := h.Add(map[string]any{"url": h.Origin.URL + "/missing", "batch_id": b.BatchID})
	h.WaitState(bad.ID, task.Failed, 5*time.Second)
	if s := summaryOf(t, h, b.BatchID); s.State != task.Failed || s.FailedItems != 1 || s.TotalItems != 3 {
		t.Fatalf("summary with a failure: %+v", s)
	}
	var items []task.Task
	h.Call("GET", "/api/downloads/batch/"+b.BatchID+"/items", nil, &items)
	if len(items) != 3 || items[2].ID != bad.ID || *items[0].BatchID != b.BatchID {
		t.Fatalf("items in page order: %+v", items)
	}
	lone := h.Add(map[string]any{"url": h.Origin.Add("/lone", &enginetest.File{Data: []byte("l")})})
	var list batchList
	h.Call("GET", "/api/downloads/batches", nil, &list)
	if len(list.Standalone) != 1 || list.Standalone[0].ID != lone.ID || len(list.Batches) != 1 {
		t.Fatalf("batches list %+v", list)
	}

	if code := h.Call("DELETE", "/api/downloads/batch/"+b.BatchID+"?delete_files=true", nil, &affected); code != http.StatusOK || affected.Affected != 3 {
		t.Fatalf("delete batch: %d, affected %d", code, affected.Affected)
	}
	if enginetest.Exists(h.Cfg.DownloadDir + "/shows/s1/second.bin") {
		t.Fatal("delete_files left a file")
	}
	if code := h.Call("GET", "/api/downloads/batch/"+b.BatchID+"/items", nil, nil); code != http.StatusNotFound {
		t.Fatalf("items of a deleted batch: %d", code)
	}
}

func TestBatchBadInput(t *testing.T) {
	h := enginetest.Start(t, nil)
	url := h.Origin.Add("/a", &enginetest.File{Data: []byte("a")})
	for _, c := range []struct {
		body    any
		code    int
		mention string
	}{
		{map[string]any{"items": []map[string]any{{"url": url}}}, 400, "batch_name"},
		{map[string]any{"batch_name": "x", "items": []map[string]any{}}, 400, "at least one"},
		{map[string]any{"batch_name": "x", "items": []map[string]any{{"url": url}, {"url": "ftp://x/y"}}}, 400, "items[1]"},
		{map[string]any{"batch_name": "x", "items": []map[string]any{{"url": url}, {"url": url}}}, 409, "twice"},
		{map[string]any{"batch_name": "x", "destination": "../up", "items": []map[string]any{{"url": url}}}, 400, ".."},
	} {
		var e apiErr
		if code := h.Call("POST", "/api/batches", c.body, &e); code != c.code || !strings.Contains(e.Message, c.mention) {
			t.Errorf("%v: %d %+v, want %d mentioning %q", c.body, code, e, c.code, c.mention)
		}
	}
	var page struct{ Total int }
	if h.Call("GET", "/api/downloads", nil, &page); page.Total != 0 {
		t.Fatalf("a refused batch left %d tasks", page.Total)
	}
	if code := h.Call("POST", "/api/downloads", map[string]any{"url": url, "batch_id": "nope"}, nil); code != http.StatusNotFound {
		t.Fatalf("joining an unknown batch: %d, want 404", code)
	}
	// A new batch_id with a batch_name starts that batch, if the id is sane.
	for _, id := range []string{"../etc", "a b", strings.Repeat("x", 65), "é"} {
		if code := h.Call("POST", "/api/downloads", map[string]any{"url": url, "batch_id": id, "batch_name": "n"}, nil); code != http.StatusBadRequest {
			t.Fatalf("new batch id %q: %d, want 400", id, code)
		}
	}
	var mine task.Task
	if code := h.Call("POST", "/api/downloads", map[string]any{"url": url, "batch_id": "grab-1", "batch_name": "Mine"}, &mine); code != http.StatusCreated || mine.BatchID == nil || *mine.BatchID != "grab-1" || *mine.BatchName != "Mine" {
		t.Fatalf("a batch under the client's id: %d %+v", code, mine)
	}
	for _, path := range []string{"/api/downloads/batch/nope/pause", "/api/downloads/batch/nope/items"} {
		method := "POST"
		if strings.HasSuffix(path, "items") {
			method = "GET"
		}
		if code := h.Call(method, path, nil, nil); code != http.StatusNotFound {
			t.Errorf("%s %s: %d, want 404", method, path, code)
		}
	}
}

func TestLibraryLifecycle(t *testing.T) {
	h := enginetest.Start(t, nil)
	var b batchCreated
	h.Call("POST", "/api/batches", map[string]any{
		"batch_name": "Chapter 7", "meta": map[string]string{"mangaId": "m7"},
		"items": []map[string]any{
			{"url": h.Origin.Add("/p1", &enginetest.File{Data: []byte("page1")})},
			{"url": h.Origin.Add("/p2", &enginetest.File{Data: []byte("page22")})},
		},
	}, &b)
	lone := h.Add(map[string]any{"url": h.Origin.Add("/movie.mkv", &enginetest.File{Data: []byte("film")})})

	var lib struct {
		Items []task.LibraryItem `json:"items"`
		Total int                `json:"total"`
	}
	enginetest.Eventually(t, 10*time.Second, "two library items", func() bool {
		h.Call("GET", "/api/library", nil, &lib)
		return lib.Total == 2
	})
	byDownload := map[string]task.LibraryItem{}
	for _, it := range lib.Items {
		byDownload[it.BatchID] = it
	}
	ch := byDownload[b.BatchID]
	if ch.Title != "Chapter 7" || len(ch.Files) != 2 || ch.Size != 11 || ch.Status != "new" || ch.Favorite || ch.Meta["mangaId"] != "m7" ||
		ch.Files[0].Filename != "p1" || ch.Files[1].Path != "p2" {
		t.Fatalf("batch library item %+v", ch)
	}
	if mv := byDownload[lone.ID]; mv.Title != "movie.mkv" || len(mv.Files) != 1 || mv.Size != 4 {
		t.Fatalf("standalone library item %+v", mv)
	}

	// A URL in the library is a duplicate even once its task is gone.
	h.Call("DELETE", "/api/downloads/"+lone.ID, nil, nil)
	var e apiErr
	if code := h.Call("POST", "/api/downloads", map[string]any{"url": lone.URL}, &e); code != http.StatusConflict || !strings.Contains(e.Message, "library") {
		t.Fatalf("duplicate of a library URL: %d %+v", code, e)
	}

	var patched task.LibraryItem
	if code := h.Call("PATCH", "/api/library/"+ch.ID, map[string]any{"status": "read", "favorite": true}, &patched); code != 200 || patched.Status != "read" || !patched.Favorite {
		t.Fatalf("patch: %d %+v", code, patched)
	}
	if code := h.Call("PATCH", "/api/library/"+ch.ID, map[string]any{"title": ""}, &e); code != http.StatusBadRequest {
		t.Fatalf("empty title: %d", code)
	}
	h.Reopen()
	var got task.LibraryItem
	if code := h.Call("GET", "/api/library/"+ch.ID, nil, &got); code != 200 || got.Status != "read" || !got.Favorite || len(got.Files) != 2 {
		t.Fatalf("library item after restart: %d %+v", code, got)
	}
	if code := h.Call("DELETE", "/api/library/"+ch.ID+"?delete_files=true", nil, nil); code != http.StatusNoContent {
		t.Fatalf("delete: %d", code)
	}
	if enginetest.Exists(h.Cfg.DownloadDir+"/p1") || !enginetest.Exists(h.Cfg.DownloadDir+"/movie.mkv") {
		t.Fatal("delete_files removed the wrong files")
	}
	if code := h.Call("GET", "/api/library/"+ch.ID, nil, nil); code != http.StatusNotFound {
		t.Fatalf("deleted item: %d", code)
	}
}

func TestLibraryItemFollowsABatchThatGrows(t *testing.T) {
	h := enginetest.Start(t, nil)
	var b batchCreated
	h.Call("POST", "/api/batches", map[string]any{"batch_name": "vol 1", "items": []map[string]any{
		{"url": h.Origin.Add("/v1", &enginetest.File{Data: []byte("one")})},
	}}, &b)
	var lib struct{ Items []task.LibraryItem }
	enginetest.Eventually(t, 5*time.Second, "the library item", func() bool {
		h.Call("GET", "/api/library", nil, &lib)
		return len(lib.Items) == 1
	})
	late := h.Add(map[string]any{"url": h.Origin.Add("/v2", &enginetest.File{Data: []byte("two!")}), "batch_id": b.BatchID})
	h.WaitState(late.ID, task.Completed, 5*time.Second)
	enginetest.Eventually(t, 5*time.Second, "the item to gain the file", func() bool {
		h.Call("GET", "/api/library", nil, &lib)
		return len(lib.Items) == 1 && len(lib.Items[0].Files) == 2 && lib.Items[0].Size == 7
	})
	var e apiErr
	if code := h.Call("DELETE", "/api/downloads/"+late.ID, nil, nil); code != http.StatusNoContent {
		t.Fatalf("delete: %d", code)
	}
	if code := h.Call("POST", "/api/downloads", map[string]any{"url": late.URL}, &e); code != http.StatusConflict {
		t.Fatalf("the new file's URL is in the library: %d %+v", code, e)
	}
}

func TestBigBatchIsStoredWhole(t *testing.T) {
	h := enginetest.Start(t, nil)
	h.Call("POST", "/api/downloads/pause-all", nil, nil)
	items := make([]map[string]any, 3000)
	for i := range items {
		items[i] = map[string]any{"url": fmt.Sprintf("%s/big/%d/%s", h.Origin.URL, i, strings.Repeat("p", 100))}
	}
	var b batchCreated
	if code := h.Call("POST", "/api/batches", map[string]any{"batch_name": "big", "items": items}, &b); code != http.StatusCreated || len(b.Tasks) != 3000 {
		t.Fatalf("3,000-item batch: %d, %d tasks", code, len(b.Tasks))
	}
	h.Call("POST", "/api/downloads/batch/"+b.BatchID+"/pause", nil, nil)
	h.Reopen()
	var stats task.Stats
	h.Call("GET", "/api/downloads/stats", nil, &stats)
	if stats.DBCounts["all"] != 3000 {
		t.Fatalf("db_counts after a restart %v", stats.DBCounts)
	}
}

func TestBatchEntersTheLibraryWhenItsLastUnfinishedItemIsDeleted(t *testing.T) {
	h := enginetest.Start(t, nil)
	var b batchCreated
	h.Call("POST", "/api/batches", map[string]any{"batch_name": "partly", "items": []map[string]any{
		{"url": h.Origin.Add("/fine", &enginetest.File{Data: []byte("ok")})},
		{"url": h.Origin.URL + "/missing"},
	}}, &b)
	h.WaitState(b.Tasks[1].ID, task.Failed, 5*time.Second)
	h.WaitState(b.Tasks[0].ID, task.Completed, 5*time.Second)
	h.Call("DELETE", "/api/downloads/"+b.Tasks[1].ID, nil, nil)
	var lib struct{ Items []task.LibraryItem }
	enginetest.Eventually(t, 5*time.Second, "the batch in the library", func() bool {
		h.Call("GET", "/api/library", nil, &lib)
		return len(lib.Items) == 1 && lib.Items[0].BatchID == b.BatchID
	})
}

func TestBatchOfOneNameGetsDistinctNames(t *testing.T) {
	h := enginetest.Start(t, func(c *engine.Config) { n := 1; c.Settings.MaxConcurrent = &n })
	gate := make(chan struct{})
	t.Cleanup(func() { close(gate) })
	var items []map[string]any
	for i := range 300 {
		items = append(items, map[string]any{"url": h.Origin.Add(fmt.Sprintf("/s%d", i), &enginetest.File{Data: []byte("s"), Gate: gate}), "filename": "same.bin"})
	}
	var b batchCreated
	if code := h.Call("POST", "/api/batches", map[string]any{"batch_name": "one name", "items": items}, &b); code != http.StatusCreated {
		t.Fatalf("create: %d", code)
	}
	seen := map[string]bool{}
	for _, tk := range b.Tasks {
		if seen[tk.Filename] {
			t.Fatalf("two tasks named %q", tk.Filename)
		}
		seen[tk.Filename] = true
	}
	if !seen["same.bin"] || !seen["same (1).bin"] || !seen["same (299).bin"] {
		t.Fatalf("names %v", seen)
	}
	// A name freed by a deleted task is free again.
	h.Call("DELETE", "/api/downloads/"+b.Tasks[0].ID, nil, nil)
	again := h.Add(map[string]any{"url": h.Origin.Add("/again", &enginetest.File{Data: []byte("a"), Gate: gate}), "filename": "same.bin"})
	if again.Filename != "same.bin" {
		t.Fatalf("freed name: got %q", again.Filename)
	}
}

// A file belongs to one owner: deleting a library item with its files leaves
// a file that another task took the name of after the item's own was deleted.
func TestLibraryDeleteLeavesAnotherTasksFile(t *testing.T) {
	h := enginetest.Start(t, nil)
	a := h.Add(map[string]any{"url": h.Origin.Add("/a", &enginetest.File{Data: []byte("first report")}), "filename": "report.pdf"})
	h.WaitState(a.ID, task.Completed, 10*time.Second)
	var lib struct {
		Items []task.LibraryItem `json:"items"`
	}
	enginetest.Eventually(t, 10*time.Second, "a's library item", func() bool {
		h.Call("GET", "/api/library", nil, &lib)
		return len(lib.Items) == 1
	})
	if code := h.Call("DELETE", "/api/downloads/"+a.ID+"?delete_files=true", nil, nil); code != http.StatusNoContent {
		t.Fatalf("delete a: %d", code)
	}
	b := h.Add(map[string]any{"url": h.Origin.Add("/b", &enginetest.File{Data: []byte("second report")}), "filename": "report.pdf"})
	b = h.WaitState(b.ID, task.Completed, 10*time.Second)
	if b.Filename != "report.pdf" {
		t.Fatalf("b is named %q, want the freed report.pdf", b.Filename)
	}
	if code := h.Call("DELETE", "/api/library/"+lib.Items[0].ID+"?delete_files=true", nil, nil); code != http.StatusNoContent {
		t.Fatalf("delete a's library item: %d", code)
	}
	fileIs(t, h, "report.pdf", []byte("second report"))
}
