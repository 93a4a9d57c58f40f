package engine_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fetchd/fetchd/engine"
	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/engine/task"
)

type apiErr struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

func TestBadInputGetsClearErrors(t *testing.T) {
	h := enginetest.Start(t, nil)
	url := h.Origin.Add("/ok", &enginetest.File{Data: []byte("ok")})
	cases := []struct {
		name, body string
		code       int
		errCode    string
		mention    string
	}{
		{"malformed JSON", `{"url": `, 400, "bad_request", "malformed JSON"},
		{"empty body", ``, 400, "bad_request", "empty"},
		{"array body", `[1,2]`, 400, "bad_request", "JSON object"},
		{"wrong type", `{"url": 5}`, 400, "bad_request", `"url"`},
		{"trailing data", `{"url":"` + url + `"} {}`, 400, "bad_request", "after the JSON"},
		{"no url", `{}`, 400, "bad_request", "url is required"},
		{"ftp url", `{"url":"ftp://example.com/x"}`, 400, "bad_request", "http or https"},
		{"file url", `{"url":"file:///etc/passwd"}`, 400, "bad_request", "http or https"},
		{"no host", `{"url":"http:///x"}`, 400, "bad_request", "host"},
		{"bad checksum", `{"url":"` + url + `","checksum":"md5:abc"}`, 400, "bad_request", "sha256"},
		{"dotdot filename", `{"url":"` + url + `","filename":"../../etc/passwd"}`, 400, "bad_request", ".."},
		{"absolute filename", `{"url":"` + url + `","filename":"/etc/passwd"}`, 400, "bad_request", "filename"},
		{"path filename", `{"url":"` + url + `","filename":"a/b"}`, 400, "bad_request", "plain name"},
		{"dotdot destination", `{"url":"` + url + `","destination":"a/../../b"}`, 400, "bad_request", ".."},
		{"absolute destination", `{"url":"` + url + `","destination":"/tmp"}`, 400, "bad_request", "relative"},
		{"part filename", `{"url":"` + url + `","filename":"v.bin.part"}`, 400, "bad_request", ".part"},
		{"blank filename", `{"url":"` + url + `","filename":"  "}`, 400, "bad_request", "not a file name"},
		{"control char filename", `{"url":"` + url + `","filename":"a\u0000b"}`, 400, "bad_request", "control"},
		{"bidi filename", `{"url":"` + url + `","filename":"invoice\u202efdp.exe"}`, 400, "bad_request", "bidirectional"},
		{"huge category", `{"url":"` + url + `","category":"` + strings.Repeat("c", 1<<20-100) + `"}`, 400, "bad_request", "category"},
		{"huge meta", `{"url":"` + url + `","meta":{"k":"` + strings.Repeat("m", 70<<10) + `"}}`, 400, "bad_request", "meta"},
		{"huge url", `{"url":"` + url + `?` + strings.Repeat("q", 9<<10) + `"}`, 400, "bad_request", "url is longer"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var e apiErr
			code := h.Call("POST", "/api/downloads", c.body, &e)
			if code != c.code || e.Error != c.errCode || !strings.Contains(e.Message, c.mention) {
				t.Fatalf("%d %+v; want %d %s mentioning %q", code, e, c.code, c.errCode, c.mention)
			}
		})
	}
	var page struct{ Total int }
	if h.Call("GET", "/api/downloads", nil, &page); page.Total != 0 {
		t.Fatalf("bad requests created %d tasks", page.Total)
	}
	entries, _ := os.ReadDir(filepath.Dir(h.Cfg.DownloadDir))
	for _, e := range entries {
		if e.Name() == "passwd" {
			t.Fatal("a file escaped the download dir")
		}
	}
}

func TestBodyOver1MiBIs413(t *testing.T) {
	h := enginetest.Start(t, nil)
	big := `{"url":"http://x/","category":"` + strings.Repeat("a", 1<<20) + `"}`
	var e apiErr
	if code := h.Call("POST", "/api/downloads", big, &e); code != http.StatusRequestEntityTooLarge || e.Error != "too_large" {
		t.Fatalf("%d %+v, want 413 too_large", code, e)
	}
}

func TestDuplicateURLConflictsUnlessForced(t *testing.T) {
	h := enginetest.Start(t, nil)
	url := h.Origin.Add("/dup", &enginetest.File{Data: []byte("d")})
	first := h.Add(map[string]any{"url": url})
	h.WaitState(first.ID, task.Completed, 5*time.Second)

	var e apiErr
	if code := h.Call("POST", "/api/downloads", map[string]any{"url": url}, &e); code != http.StatusConflict || !strings.Contains(e.Message, first.ID) {
		t.Fatalf("duplicate of a completed task: %d %+v", code, e)
	}
	h.Add(map[string]any{"url": url, "force": true})

	failing := h.Add(map[string]any{"url": h.Origin.URL + "/nothing"})
	h.WaitState(failing.ID, task.Failed, 5*time.Second)
	h.Add(map[string]any{"url": h.Origin.URL + "/nothing"}) // a FAILED task is no duplicate
}

func TestTokenRequired(t *testing.T) {
	h := enginetest.Start(t, func(c *engine.Config) { c.Token = "s3cret" })
	var e apiErr
	if code := h.Call("GET", "/api/downloads", nil, &e); code != http.StatusUnauthorized || e.Error != "unauthorized" {
		t.Fatalf("no token: %d %+v", code, e)
	}
	if code := h.Call("GET", "/api/downloads", nil, nil, "Authorization", "Bearer wrong"); code != http.StatusUnauthorized {
		t.Fatalf("wrong token: %d", code)
	}
	if code := h.Call("GET", "/api/downloads?token=s3cret", nil, nil); code != http.StatusUnauthorized {
		t.Fatalf("query token on REST: %d, want 401", code)
	}
	if code := h.Call("POST", "/api/downloads", map[string]any{"url": "http://x/"}, nil); code != http.StatusUnauthorized {
		t.Fatalf("unauthenticated create: %d", code)
	}
	if code := h.Call("GET", "/api/downloads", nil, nil, "Authorization", "Bearer s3cret"); code != http.StatusOK {
		t.Fatalf("bearer token: %d", code)
	}
	if code := h.Call("GET", "/api/settings", nil, nil, "X-Api-Key", "s3cret"); code != http.StatusOK {
		t.Fatalf("X-Api-Key: %d", code)
	}
	if code := h.Call("GET", "/api/health", nil, nil); code != http.StatusOK {
		t.Fatalf("health must stay open: %d", code)
	}
}

func TestPanickingDownloadFailsOnlyItsTask(t *testing.T) {
	h := enginetest.Start(t, func(c *engine.Config) {
		c.HTTPClient = &http.Client{Transport: panicOn("/boom", http.DefaultTransport)}
	})
	boom := h.Add(map[string]any{"url": h.Origin.Add("/boom", &enginetest.File{Data: []byte("x")})})
	data := enginetest.Bytes(128<<10, 7)
	fine := h.Add(map[string]any{"url": h.Origin.Add("/fine", &enginetest.File{Data: data})})

	failed := h.WaitState(boom.ID, task.Failed, 5*time.Second)
	if !strings.Contains(enginetest.Deref(failed.ErrorMessage), "crashed") {
		t.Fatalf("error %q, want it to say the download crashed", enginetest.Deref(failed.ErrorMessage))
	}
	h.WaitState(fine.ID, task.Completed, 5*time.Second)
	fileIs(t, h, "fine", data)
	// The engine still takes work.
	again := h.Add(map[string]any{"url": h.Origin.Add("/after", &enginetest.File{Data: []byte("a")})})
	h.WaitState(again.ID, task.Completed, 5*time.Second)
}

type panicTransport struct {
	path string
	next http.RoundTripper
}

func panicOn(path string, next http.RoundTripper) http.RoundTripper {
	return panicTransport{path, next}
}

func (p panicTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Path == p.path {
		panic("injected failure")
	}
	return p.next.RoundTrip(r)
}

func TestSettingsPersistAndValidate(t *testing.T) {
	h := enginetest.Start(t, nil)
	var s task.Settings
	if h.Call("GET", "/api/settings", nil, &s); s != task.DefaultSettings() {
		t.Fatalf("default settings %+v", s)
	}
	if code := h.Call("PUT", "/api/settings", map[string]any{"max_concurrent": 7, "speed_limit": 1000000}, &s); code != 200 || s.MaxConcurrent != 7 || s.SpeedLimit != 1000000 || s.MaxRetries != 5 {
		t.Fatalf("PUT settings: %d %+v", code, s)
	}
	for _, bad := range []string{`{"max_concurrent":0}`, `{"max_retries":-1}`, `{"speed_limit":-5}`, `{"max_concurrent":"many"}`, `nope`} {
		var e apiErr
		if code := h.Call("PUT", "/api/settings", bad, &e); code != http.StatusBadRequest || e.Message == "" {
			t.Errorf("PUT %s: %d %+v, want 400 with a message", bad, code, e)
		}
	}
	h.Reopen()
	if h.Call("GET", "/api/settings", nil, &s); s.MaxConcurrent != 7 || s.SpeedLimit != 1000000 {
		t.Fatalf("settings after restart %+v", s)
	}
}

func TestSpeedLimitHoldsDownloadsBack(t *testing.T) {
	h := enginetest.Start(t, nil)
	const limit = 200 << 10
	h.Call("PUT", "/api/settings", map[string]any{"speed_limit": limit}, nil)
	data := enginetest.Bytes(500<<10, 8)
	start := time.Now()
	a := h.Add(map[string]any{"url": h.Origin.Add("/a", &enginetest.File{Data: data})})
	b := h.Add(map[string]any{"url": h.Origin.Add("/b", &enginetest.File{Data: data})})
	h.WaitState(a.ID, task.Completed, 20*time.Second)
	h.WaitState(b.ID, task.Completed, 20*time.Second)
	// 1000 KiB at 200 KiB/s across both cannot finish in under ~4.7 s (one
	// burst is free); a lower bound, so a slow machine never fails it.
	if took := time.Since(start); took < 3*time.Second {
		t.Fatalf("1000 KiB took %s under a 200 KiB/s limit", took)
	}
}

func TestStatesSurviveRestart(t *testing.T) {
	h := enginetest.Start(t, nil)
	done := h.Add(map[string]any{"url": h.Origin.Add("/d", &enginetest.File{Data: []byte("d")})})
	h.WaitState(done.ID, task.Completed, 5*time.Second)
	slow := h.Add(map[string]any{"url": h.Origin.Add("/s", &enginetest.File{Data: enginetest.Bytes(1<<20, 1), Rate: 256 << 10})})
	enginetest.Eventually(t, 5*time.Second, "bytes", func() bool { return h.Get(slow.ID).Downloaded > 0 })
	h.Action(slow.ID, "pause")
	failed := h.Add(map[string]any{"url": h.Origin.URL + "/gone"})
	h.WaitState(failed.ID, task.Failed, 5*time.Second)

	var before, after struct{ Downloads json.RawMessage }
	h.Call("GET", "/api/downloads", nil, &before)
	h.Reopen()
	h.Call("GET", "/api/downloads", nil, &after)
	if string(before.Downloads) != string(after.Downloads) {
		t.Fatalf("tasks changed across a restart:\nbefore %s\nafter  %s", before.Downloads, after.Downloads)
	}
	var stats task.Stats
	h.Call("GET", "/api/downloads/stats", nil, &stats)
	if stats.DBCounts["all"] != 3 || stats.DBCounts["completed"] != 1 || stats.DBCounts["paused"] != 1 || stats.DBCounts["failed"] != 1 {
		t.Fatalf("db_counts after restart %v", stats.DBCounts)
	}
}

func TestListFiltersSortsAndPages(t *testing.T) {
	h := enginetest.Start(t, nil)
	gate := make(chan struct{})
	t.Cleanup(func() { close(gate) })
	for i := range 5 {
		url := h.Origin.Add(fmt.Sprintf("/l%d", i), &enginetest.File{Data: []byte("l"), Gate: gate})
		tk := h.Add(map[string]any{"url": url, "priority": i, "filename": fmt.Sprintf("f%d", 4-i)})
		h.Action(tk.ID, "pause")
	}
	var page struct {
		Downloads    []task.Task
		Total        int
		Page         int
		Limit        int
		TotalPages   int            `json:"total_pages"`
		StatusCounts map[string]int `json:"status_counts"`
	}
	h.Call("GET", "/api/downloads?sort_by=priority&sort_dir=desc&limit=2&page=2", nil, &page)
	if page.Total != 5 || page.Page != 2 || page.Limit != 2 || page.TotalPages != 3 || len(page.Downloads) != 2 ||
		page.Downloads[0].Priority != 2 || page.Downloads[1].Priority != 1 {
		t.Fatalf("page 2 by priority desc: %+v", page)
	}
	if page.StatusCounts["PAUSED"] != 5 || len(page.StatusCounts) != len(task.States) {
		t.Fatalf("status_counts %v", page.StatusCounts)
	}
	h.Call("GET", "/api/downloads?sort_by=filename", nil, &page)
	if page.Downloads[0].Filename != "f0" {
		t.Fatalf("sorted by filename: first is %q", page.Downloads[0].Filename)
	}
	h.Call("GET", "/api/downloads?state=COMPLETED", nil, &page)
	if page.Total != 0 || page.Downloads == nil {
		t.Fatalf("filter by state: %+v (downloads must be [], not null)", page)
	}
	for _, q := range []string{"limit=0", "limit=1001", "page=0", "sort_by=url", "sort_dir=up", "state=DONE", "limit=x"} {
		var e apiErr
		if code := h.Call("GET", "/api/downloads?"+q, nil, &e); code != http.StatusBadRequest || e.Message == "" {
			t.Errorf("?%s: %d %+v, want 400", q, code, e)
		}
	}
}
