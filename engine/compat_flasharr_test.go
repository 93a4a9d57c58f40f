package engine_test

// Flasharr's frontend store (frontend/src/lib/stores/downloads.svelte.ts and
// websocket.ts in duytran1406/flasharr) driven against a real daemon. What
// follows is a record, in Go, of what that store sends and what it does with
// each answer and message, read from its source:
//
//   - fetchBatches: GET /api/downloads/batches?page=&limit=15&sort_by=added&
//     sort_dir=desc; it replaces its standalone map with `standalone`, its
//     batch map with `batches`, and its paging with `page`, `total`,
//     `total_pages`; it keeps `stats` and `status_counts`. A missing paging
//     field makes every later refetch throw.
//   - expanding a batch: GET /api/downloads/batch/{id}/items, read as an array
//     and cached; deltas keep the cache current from then on.
//   - the add dialog POSTs {url, filename, category, priority:"NORMAL"} and
//     reads `filename` from the answer; the smart grab POSTs, three at a time,
//     {url, filename, category:"tv", priority:"<number>", tmdb:{...},
//     batch_id:<its own new UUID>, batch_name} for every episode.
//   - pause, resume, retry, redownload: POST; delete: DELETE; on failure it
//     reads the body as JSON. pause-all, resume-all, the batch actions and
//     the batch delete read {affected} from JSON.
//   - on the socket (/api/ws, no query): SYNC_ALL upserts every task;
//     TASK_ADDED sets it (a batch task also joins an expanded batch's cache
//     and triggers fetchBatches); TASK_UPDATED and every TASK_BATCH_UPDATE
//     entry merge into a task it holds, insert one it does not hold only if
//     the entry has no batch_id, and merge into (or append to) an expanded
//     batch's cache; a task entering an active state has its error_message
//     cleared; TASK_REMOVED deletes it (a batch task also leaves the cache and
//     triggers fetchBatches); ENGINE_STATS replaces its stats.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"

	"github.com/fetchd/fetchd/engine"
	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/engine/task"
)

type jsonObject = map[string]any

// flasharrStore holds what the client's store holds.
type flasharrStore struct {
	t    *testing.T
	h    *enginetest.Daemon
	base string // the daemon's URL, the same across its restarts

	mu         sync.Mutex
	downloads  map[string]jsonObject
	batches    map[string]jsonObject
	batchItems map[string][]jsonObject
	stats      jsonObject
	page       float64
	totalPages float64
	errs       []string // what would have thrown or shown an error toast
}

func newFlasharrStore(t *testing.T, h *enginetest.Daemon) *flasharrStore {
	return &flasharrStore{t: t, h: h, base: h.Srv.URL, downloads: map[string]jsonObject{}, batches: map[string]jsonObject{}, batchItems: map[string][]jsonObject{}}
}

// call is the store's fetch: the status and the body decoded as JSON (nil
// when there is no JSON to read). A daemon that cannot be reached (it is
// restarting) is status 0, which the store, too, only logs.
func (s *flasharrStore) call(method, path string, body any) (int, any) {
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, s.base+path, rd)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var v any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &v); err != nil {
			s.fail("%s %s: answer is not JSON: %s", method, path, raw)
		}
	}
	return resp.StatusCode, v
}

func (s *flasharrStore) fail(format string, a ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errs = append(s.errs, fmt.Sprintf(format, a...))
}

func (s *flasharrStore) fetchBatches() {
	code, v := s.call("GET", "/api/downloads/batches?page=1&limit=15&sort_by=added&sort_dir=desc", nil)
	if code == 0 {
		return
	}
	data, _ := v.(jsonObject)
	if code != http.StatusOK || data == nil {
		s.fail("fetchBatches: %d %v", code, v)
		return
	}
	batches, okB := data["batches"].([]any)
	standalone, okS := data["standalone"].([]any)
	page, okP := data["page"].(float64)
	total, okT := data["total"].(float64)
	totalPages, okTP := data["total_pages"].(float64)
	stats, okSt := data["stats"].(jsonObject)
	_, okC := data["status_counts"].(jsonObject)
	if !okB || !okS || !okP || !okT || !okTP || !okSt || !okC || total < float64(len(batches)+len(standalone)) {
		s.fail("fetchBatches: answer lacks what the store reads: %v", data)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.batches = map[string]jsonObject{}
	for _, b := range batches {
		b := b.(jsonObject)
		s.batches[b["batch_id"].(string)] = b
	}
	s.downloads = map[string]jsonObject{}
	for _, d := range standalone {
		d := d.(jsonObject)
		s.downloads[d["id"].(string)] = d
	}
	s.stats, s.page, s.totalPages = stats, page, totalPages
}

func (s *flasharrStore) expandBatch(id string) {
	code, v := s.call("GET", "/api/downloads/batch/"+id+"/items", nil)
	items, ok := v.([]any)
	if code != http.StatusOK || !ok {
		s.fail("expand batch %s: %d %v", id, code, v)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cache := make([]jsonObject, len(items))
	for i, it := range items {
		cache[i] = it.(jsonObject)
	}
	s.batchItems[id] = cache
}

// addFromDialog is the add dialog's POST; it returns the new task's id.
func (s *flasharrStore) addFromDialog(url, filename string) string {
	code, v := s.call("POST", "/api/downloads", jsonObject{"url": url, "filename": filename, "category": "", "priority": "NORMAL"})
	data, _ := v.(jsonObject)
	if code/100 != 2 || data == nil {
		s.fail("add dialog: %d %v", code, v)
		return ""
	}
	if _, ok := data["filename"].(string); !ok {
		s.fail("add dialog: no filename in %v", data)
	}
	id, _ := data["id"].(string)
	return id
}

// smartGrab is the smart grab: one new batch id of its own, three POSTs at a
// time, the earliest episode first in priority.
func (s *flasharrStore) smartGrab(title string, urls []string) string {
	batchID := uuid.NewString()
	for i := 0; i < len(urls); i += 3 {
		var wg sync.WaitGroup
		for j := i; j < min(i+3, len(urls)); j++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := jsonObject{
					"url": urls[j], "filename": fmt.Sprintf("%s.S01E%02d.mkv", title, j+1), "category": "tv",
					"priority": fmt.Sprint(1000 - j), "batch_id": batchID, "batch_name": title,
					"tmdb": jsonObject{"tmdb_id": 1399, "media_type": "tv", "title": title, "year": 2011, "season": 1, "episode": j + 1},
				}
				if code, v := s.call("POST", "/api/downloads", body); code/100 != 2 {
					s.fail("smart grab episode %d: %d %v", j+1, code, v)
				}
			}()
		}
		wg.Wait()
	}
	return batchID
}

// act is a one-task action; pause-all and the like read {affected}.
func (s *flasharrStore) act(method, path string, wantAffected bool) {
	code, v := s.call(method, path, nil)
	if code/100 != 2 {
		s.fail("%s %s: %d %v", method, path, code, v)
		return
	}
	if wantAffected {
		if _, ok := v.(jsonObject)["affected"].(float64); !ok {
			s.fail("%s %s: no affected in %v", method, path, v)
		}
	}
}

// deleteDownload is the store's delete of one task.
func (s *flasharrStore) deleteDownload(id string) {
	s.mu.Lock()
	batchID, _ := s.downloads[id]["batch_id"].(string)
	for bid, items := range s.batchItems {
		if slices.ContainsFunc(items, func(it jsonObject) bool { return it["id"] == id }) {
			batchID = bid
		}
	}
	s.mu.Unlock()
	s.act("DELETE", "/api/downloads/"+id, false)
	s.mu.Lock()
	delete(s.downloads, id)
	if items, ok := s.batchItems[batchID]; ok {
		s.batchItems[batchID] = slices.DeleteFunc(items, func(it jsonObject) bool { return it["id"] == id })
	}
	s.mu.Unlock()
	if batchID != "" {
		s.fetchBatches()
	}
}

func (s *flasharrStore) onMessage(msg jsonObject) {
	switch msg["type"] {
	case "SYNC_ALL":
		tasks, _ := msg["tasks"].([]any)
		s.mu.Lock()
		for _, t := range tasks {
			t := t.(jsonObject)
			s.downloads[t["id"].(string)] = t
		}
		s.mu.Unlock()
	case "TASK_ADDED":
		t, _ := msg["task"].(jsonObject)
		if t == nil {
			return
		}
		s.mu.Lock()
		s.downloads[t["id"].(string)] = t
		bid, inBatch := t["batch_id"].(string)
		if items, ok := s.batchItems[bid]; inBatch && ok && !slices.ContainsFunc(items, func(it jsonObject) bool { return it["id"] == t["id"] }) {
			s.batchItems[bid] = append(items, t)
		}
		s.mu.Unlock()
		if inBatch {
			s.fetchBatches()
		}
	case "TASK_UPDATED":
		t, _ := msg["task"].(jsonObject)
		if t == nil || t["id"] == nil {
			return
		}
		s.mu.Lock()
		s.mergeDelta(t)
		s.mu.Unlock()
		if _, inBatch := t["batch_id"].(string); inBatch && (t["state"] == "COMPLETED" || t["state"] == "FAILED") {
			s.fetchBatches()
		}
	case "TASK_BATCH_UPDATE":
		tasks, _ := msg["tasks"].([]any)
		s.mu.Lock()
		for _, t := range tasks {
			if t, ok := t.(jsonObject); ok && t["id"] != nil {
				s.mergeDelta(t)
			}
		}
		s.mu.Unlock()
	case "TASK_REMOVED":
		id, _ := msg["task_id"].(string)
		s.mu.Lock()
		bid, inBatch := s.downloads[id]["batch_id"].(string)
		delete(s.downloads, id)
		if items, ok := s.batchItems[bid]; inBatch && ok {
			s.batchItems[bid] = slices.DeleteFunc(items, func(it jsonObject) bool { return it["id"] == id })
		}
		s.mu.Unlock()
		if inBatch {
			s.fetchBatches()
		}
	case "ENGINE_STATS":
		if st, ok := msg["stats"].(jsonObject); ok {
			s.mu.Lock()
			s.stats = st
			s.mu.Unlock()
		}
	}
}

// mergeDelta is the store's handling of one TASK_UPDATED or batch entry.
func (s *flasharrStore) mergeDelta(d jsonObject) {
	id := d["id"].(string)
	if active := []any{"QUEUED", "STARTING", "DOWNLOADING", "WAITING"}; slices.Contains(active, d["state"]) {
		d = maps.Clone(d)
		d["error_message"] = nil
	}
	bid, inBatch := d["batch_id"].(string)
	if cur, ok := s.downloads[id]; ok {
		s.downloads[id] = merged(cur, d)
	} else if !inBatch {
		s.downloads[id] = d // without batch_id a batch task's delta becomes a half-empty row
	}
	if items, ok := s.batchItems[bid]; inBatch && ok {
		i := slices.IndexFunc(items, func(it jsonObject) bool { return it["id"] == id })
		if i < 0 {
			s.batchItems[bid] = append(items, d)
		} else {
			items[i] = merged(items[i], d)
		}
	}
}

func merged(a, b jsonObject) jsonObject {
	out := maps.Clone(a)
	maps.Copy(out, b)
	return out
}

// follow is the store's socket: it reconnects after a drop (the client waits
// 5 s and more; here, a moment) and feeds every message to the store.
func (s *flasharrStore) follow(stop <-chan struct{}) {
	go func() {
		for {
			ws, _, err := websocket.DefaultDialer.Dial(strings.Replace(s.base, "http", "ws", 1)+"/api/ws", nil)
			if err == nil {
				go func() { <-stop; ws.Close() }()
				for {
					var msg jsonObject
					if ws.ReadJSON(&msg) != nil {
						break
					}
					s.onMessage(msg)
				}
				ws.Close()
			}
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
}

// agreesWithREST reports how the store differs from GET /api/downloads: every
// task it holds must read as the daemon has it, it must hold exactly the
// standalone tasks, and an expanded batch's cache exactly that batch's tasks.
func (s *flasharrStore) agreesWithREST() error {
	var page struct {
		Downloads []jsonObject `json:"downloads"`
	}
	s.h.Call("GET", "/api/downloads?limit=1000", nil, &page)
	truth := map[string]jsonObject{}
	var standalone []string
	byBatch := map[string][]string{}
	for _, t := range page.Downloads {
		id := t["id"].(string)
		truth[id] = t
		if bid, ok := t["batch_id"].(string); ok {
			byBatch[bid] = append(byBatch[bid], id)
		} else {
			standalone = append(standalone, id)
		}
	}
	same := func(held jsonObject) error {
		want, ok := truth[held["id"].(string)]
		if !ok {
			return fmt.Errorf("holds %v, which the daemon does not have", held["id"])
		}
		if slices.Contains([]any{"QUEUED", "STARTING", "DOWNLOADING", "WAITING"}, want["state"]) {
			want = merged(want, jsonObject{"error_message": nil}) // the store's own clearing
		}
		if !reflect.DeepEqual(held, want) {
			return fmt.Errorf("holds %v\n the daemon has %v", held, want)
		}
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var held []string
	for id, d := range s.downloads {
		if err := same(d); err != nil {
			return err
		}
		if d["batch_id"] == nil {
			held = append(held, id)
		}
	}
	slices.Sort(held)
	slices.Sort(standalone)
	if !slices.Equal(held, standalone) {
		return fmt.Errorf("standalone rows %v, the daemon has %v", held, standalone)
	}
	for bid, items := range s.batchItems {
		if _, shown := s.batches[bid]; !shown {
			continue // a batch gone from the list: its stale cache is never drawn
		}
		var ids []string
		for _, it := range items {
			if err := same(it); err != nil {
				return fmt.Errorf("batch %s: %w", bid, err)
			}
			ids = append(ids, it["id"].(string))
		}
		want := byBatch[bid]
		slices.Sort(ids)
		slices.Sort(want)
		if !slices.Equal(ids, want) {
			return fmt.Errorf("batch %s cache holds %v, the daemon has %v", bid, ids, want)
		}
	}
	return nil
}

func (s *flasharrStore) converge(step string) {
	s.t.Helper()
	var last error
	enginetest.Eventually(s.t, 15*time.Second, "the store to agree with GET /api/downloads after "+step, func() bool {
		last = s.agreesWithREST()
		return last == nil
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.errs) > 0 {
		s.t.Fatalf("after %s the store saw errors: %v", step, s.errs)
	}
	if s.page != 1 {
		s.t.Fatalf("after %s the store's paging is page %v of %v", step, s.page, s.totalPages)
	}
}

func TestFlasharrStoreConvergesWithTheDaemon(t *testing.T) {
	h := enginetest.Start(t, func(c *engine.Config) { n := 2; c.Settings.MaxConcurrent = &n })
	gate := make(chan struct{})
	slow := func(name string) string {
		return h.Origin.Add("/"+name, &enginetest.File{Data: enginetest.Bytes(256<<10, uint64(len(name))), Gate: gate})
	}
	s := newFlasharrStore(t, h)
	stop := make(chan struct{})
	defer close(stop)

	// Page load: the REST list, then the socket.
	s.fetchBatches()
	s.follow(stop)
	s.converge("page load")

	movie := s.addFromDialog(slow("movie.mkv"), "Movie (2024).mkv")
	held := make(chan struct{}) // other stays running and quiet until the end
	defer close(held)
	other := s.addFromDialog(h.Origin.Add("/other.mkv", &enginetest.File{Data: []byte("other"), Gate: held}), "")
	var episodes []string
	for i := range 4 {
		episodes = append(episodes, slow(fmt.Sprintf("ep%d.mkv", i+1)))
	}
	batch := s.smartGrab("Show", episodes)
	s.converge("adds from the dialog and the smart grab")
	var prios []int
	for _, t := range h.BatchItems(batch) {
		prios = append(prios, t.Priority)
	}
	slices.Sort(prios) // three went at once: creation order is theirs
	if !slices.Equal(prios, []int{997, 998, 999, 1000}) {
		t.Fatalf("smart grab priorities %v, want 1000..997", prios)
	}

	s.expandBatch(batch)
	close(gate) // everything moves: progress deltas of batch tasks and others
	h.WaitState(movie, task.Completed, 15*time.Second)
	s.converge("progress and completions")

	s.act("POST", "/api/downloads/"+movie+"/redownload", false)
	s.converge("re-download")
	s.act("POST", "/api/downloads/pause-all", true)
	s.converge("pause-all")
	s.act("POST", "/api/downloads/resume-all", true)
	s.converge("resume-all")
	s.act("POST", "/api/downloads/batch/"+batch+"/pause", true)
	s.fetchBatches()
	s.converge("batch pause")
	s.act("POST", "/api/downloads/batch/"+batch+"/resume", true)
	s.fetchBatches()
	s.converge("batch resume")
	s.act("POST", "/api/downloads/"+other+"/pause", false)
	s.converge("pause one")
	s.act("POST", "/api/downloads/"+other+"/resume", false)
	s.converge("resume one")
	s.deleteDownload(h.BatchItems(batch)[0].ID)
	s.converge("delete a batch task")

	h.Reopen()
	s.converge("a daemon restart")

	s.deleteDownload(other)
	s.converge("delete one")
	s.act("DELETE", "/api/downloads/batch/"+batch, true)
	s.fetchBatches()
	s.converge("delete a batch")
}
