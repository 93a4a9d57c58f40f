package engine_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fetchd/fetchd/engine"
	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/engine/task"
)

func intp(v int) *int { return &v }

func TestNeverMoreThanMaxConcurrent(t *testing.T) {
	h := enginetest.Start(t, func(c *engine.Config) { c.Settings.MaxConcurrent = intp(2) })
	var ids []string
	for i := range 6 {
		url := h.Origin.Add(fmt.Sprintf("/c%d", i), &enginetest.File{Data: enginetest.Bytes(96<<10, uint64(i)), Rate: 512 << 10})
		ids = append(ids, h.Add(map[string]any{"url": url}).ID)
	}
	enginetest.Eventually(t, 30*time.Second, "every download to complete", func() bool {
		var page struct {
			StatusCounts map[string]int `json:"status_counts"`
		}
		h.Call("GET", "/api/downloads", nil, &page)
		if active := page.StatusCounts["STARTING"] + page.StatusCounts["DOWNLOADING"]; active > 2 {
			t.Fatalf("%d downloads active with max_concurrent 2", active)
		}
		return page.StatusCounts["COMPLETED"] == len(ids)
	})
	if n := h.Origin.MaxInFlight(); n > 2 {
		t.Fatalf("origin served %d bodies at once with max_concurrent 2", n)
	}
	if n := h.Origin.MaxInFlight(); n < 2 {
		t.Fatalf("origin never served 2 bodies at once (max %d): the slots are not used", n)
	}
}

func TestPriorityThenAgeOrder(t *testing.T) {
	h := enginetest.Start(t, func(c *engine.Config) { c.Settings.MaxConcurrent = intp(1) })
	gate := make(chan struct{})
	blocker := h.Add(map[string]any{"url": h.Origin.Add("/blocker", &enginetest.File{Data: []byte("b"), Gate: gate})})
	h.WaitState(blocker.ID, task.Downloading, 5*time.Second)

	// While the only slot is busy, queue tasks in an order the queue must fix.
	for _, p := range []struct {
		path string
		prio int
	}{{"/low", 0}, {"/high-old", 5}, {"/mid", 1}, {"/high-new", 5}} {
		h.Add(map[string]any{"url": h.Origin.Add(p.path, &enginetest.File{Data: []byte(p.path)}), "priority": p.prio})
		time.Sleep(2 * time.Millisecond) // distinct created_at, so "older" is defined
	}
	close(gate)
	enginetest.Eventually(t, 10*time.Second, "all downloads", func() bool { return len(h.Origin.Requests("")) == 5 })

	var order []string
	for _, r := range h.Origin.Requests("")[1:] {
		order = append(order, r.Path)
	}
	if want := []string{"/high-old", "/high-new", "/mid", "/low"}; !slices.Equal(order, want) {
		t.Fatalf("start order %v, want %v", order, want)
	}
}

func TestInvalidTransitionsAre409(t *testing.T) {
	h := enginetest.Start(t, nil)
	done := h.Add(map[string]any{"url": h.Origin.Add("/done", &enginetest.File{Data: []byte("x")})})
	h.WaitState(done.ID, task.Completed, 5*time.Second)
	gate := make(chan struct{})
	t.Cleanup(func() { close(gate) })
	paused := h.Add(map[string]any{"url": h.Origin.Add("/held", &enginetest.File{Data: []byte("y"), Gate: gate})})
	h.Action(paused.ID, "pause")

	for _, c := range []struct {
		id, action string
		state      task.State
	}{
		{done.ID, "pause", task.Completed},
		{done.ID, "resume", task.Completed},
		{done.ID, "cancel", task.Completed},
		{paused.ID, "pause", task.Paused},
		{paused.ID, "retry", task.Paused},
	} {
		code, body := h.Action(c.id, c.action)
		msg, _ := body["message"].(string)
		if code != http.StatusConflict || body["error"] != "conflict" || !strings.Contains(msg, c.action) || !strings.Contains(msg, string(c.state)) {
			t.Errorf("%s from %s: %d %v; want 409 naming both", c.action, c.state, code, body)
		}
	}
	if code, _ := h.Action("no-such-id", "pause"); code != http.StatusNotFound {
		t.Errorf("pause of an unknown task: %d, want 404", code)
	}
	if code, _ := h.Action(done.ID, "explode"); code != http.StatusNotFound {
		t.Errorf("unknown action: %d, want 404", code)
	}
}

func TestCancelRemovesPartAndRetryStartsOver(t *testing.T) {
	h := enginetest.Start(t, nil)
	data := enginetest.Bytes(1<<20, 9)
	tk := h.Add(map[string]any{"url": h.Origin.Add("/c.bin", &enginetest.File{Data: data, Rate: 512 << 10})})
	enginetest.Eventually(t, 10*time.Second, "bytes on disk", func() bool { return h.Get(tk.ID).Downloaded > 0 })
	if code, body := h.Action(tk.ID, "cancel"); code != http.StatusOK || body["state"] != "CANCELLED" {
		t.Fatalf("cancel: %d %v", code, body)
	}
	part := h.Cfg.DownloadDir + "/c.bin.part"
	enginetest.Eventually(t, 5*time.Second, "the part file to go", func() bool { return !enginetest.Exists(part) })

	if code, body := h.Action(tk.ID, "retry"); code != http.StatusOK || body["state"] != "QUEUED" || body["retry_count"] != float64(0) {
		t.Fatalf("retry: %d %v", code, body)
	}
	h.WaitState(tk.ID, task.Completed, 20*time.Second)
	fileIs(t, h, "c.bin", data)
	reqs := h.Origin.Requests("/c.bin")
	if last := reqs[len(reqs)-1]; last.Start != 0 {
		t.Fatalf("retry after cancel resumed at %d; the part was removed so it must start over", last.Start)
	}
}

func TestPauseAllResumeAll(t *testing.T) {
	h := enginetest.Start(t, func(c *engine.Config) { c.Settings.MaxConcurrent = intp(1) })
	var ids []string
	for i := range 3 {
		url := h.Origin.Add(fmt.Sprintf("/p%d", i), &enginetest.File{Data: enginetest.Bytes(256<<10, uint64(i)), Rate: 256 << 10})
		ids = append(ids, h.Add(map[string]any{"url": url}).ID)
	}
	var res struct{ Affected int }
	if h.Call("POST", "/api/downloads/pause-all", nil, &res); res.Affected != 3 {
		t.Fatalf("pause-all affected %d, want 3", res.Affected)
	}
	for _, id := range ids {
		if st := h.Get(id).State; st != task.Paused {
			t.Fatalf("task %s is %s after pause-all", id, st)
		}
	}
	if h.Call("POST", "/api/downloads/resume-all", nil, &res); res.Affected != 3 {
		t.Fatalf("resume-all affected %d, want 3", res.Affected)
	}
	for _, id := range ids {
		h.WaitState(id, task.Completed, 20*time.Second)
	}
}

func TestDeleteWithFiles(t *testing.T) {
	h := enginetest.Start(t, nil)
	keep := h.Add(map[string]any{"url": h.Origin.Add("/keep.txt", &enginetest.File{Data: []byte("k")})})
	drop := h.Add(map[string]any{"url": h.Origin.Add("/drop.txt", &enginetest.File{Data: []byte("d")})})
	h.WaitState(keep.ID, task.Completed, 5*time.Second)
	h.WaitState(drop.ID, task.Completed, 5*time.Second)

	if code := h.Call("DELETE", "/api/downloads/"+keep.ID, nil, nil); code != http.StatusNoContent {
		t.Fatalf("delete: %d", code)
	}
	if code := h.Call("DELETE", "/api/downloads/"+drop.ID+"?delete_files=true", nil, nil); code != http.StatusNoContent {
		t.Fatalf("delete with files: %d", code)
	}
	if !enginetest.Exists(h.Cfg.DownloadDir+"/keep.txt") || enginetest.Exists(h.Cfg.DownloadDir+"/drop.txt") {
		t.Fatal("delete kept or removed the wrong file")
	}
	if code := h.Call("GET", "/api/downloads/"+keep.ID, nil, nil); code != http.StatusNotFound {
		t.Fatalf("deleted task answers %d", code)
	}
	if code := h.Call("DELETE", "/api/downloads/"+keep.ID, nil, nil); code != http.StatusNotFound {
		t.Fatalf("second delete answers %d, want 404", code)
	}
}

func TestCancelThenImmediateRetryStartsOver(t *testing.T) {
	h := enginetest.Start(t, nil)
	data := enginetest.Bytes(1<<20, 10)
	tk := h.Add(map[string]any{"url": h.Origin.Add("/cr.bin", &enginetest.File{Data: data, Rate: 512 << 10})})
	enginetest.Eventually(t, 10*time.Second, "bytes on disk", func() bool { return h.Get(tk.ID).Downloaded > 0 })
	h.Action(tk.ID, "cancel")
	h.Action(tk.ID, "retry") // before the cancelled transfer has let go
	h.WaitState(tk.ID, task.Completed, 20*time.Second)
	fileIs(t, h, "cr.bin", data)
	reqs := h.Origin.Requests("/cr.bin")
	if last := reqs[len(reqs)-1]; last.Start != 0 {
		t.Fatalf("the retry resumed cancelled bytes from %d", last.Start)
	}
}
