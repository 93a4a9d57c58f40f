package aria2_test

import (
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fetchd/fetchd/engine"
	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/engine/task"
)

// onlyTask returns the daemon's one task, through REST.
func onlyTask(t *testing.T, d *enginetest.Daemon) task.Task {
	t.Helper()
	var page struct{ Downloads []task.Task }
	d.Auth = secret
	d.Call("GET", "/api/downloads", nil, &page)
	if len(page.Downloads) != 1 {
		t.Fatalf("want one task, have %d", len(page.Downloads))
	}
	return page.Downloads[0]
}

func TestAddURIMapsOptionsOntoTheTask(t *testing.T) {
	d := start(t, nil)
	data := enginetest.Bytes(64<<10, 1)
	sum := sha256.Sum256(data)
	u := d.Origin.Add("/a.bin", &enginetest.File{Data: data})
	var gid string
	result(t, d, &gid, "aria2.addUri", []string{u}, map[string]any{
		"dir":                       filepath.Join(d.Cfg.DownloadDir, "music"),
		"out":                       "sub/b.bin",
		"header":                    []string{"Cookie: c=1", "X-Trace: 7"},
		"referer":                   "http://ref.example/",
		"user-agent":                "aria2-test/1",
		"http-user":                 "ann",
		"http-passwd":               "pw",
		"split":                     "5",
		"max-connection-per-server": "3",
		"max-download-limit":        "1M",
		"checksum":                  "sha-256=" + hex.EncodeToString(sum[:]),
		"no-such-option":            "ignored, as aria2 ignores it",
	})
	if len(gid) != 16 || strings.Trim(gid, "0123456789abcdef") != "" {
		t.Fatalf("gid %q is not 16 hex digits", gid)
	}
	got := onlyTask(t, d)
	if got.Destination != "music/sub" || got.Filename != "b.bin" || got.Connections != 3 || got.SpeedLimit != 1<<20 ||
		enginetest.Deref(got.Checksum) != "sha256:"+hex.EncodeToString(sum[:]) {
		t.Fatalf("task %+v", got)
	}
	for name, want := range map[string]string{"Cookie": task.Redacted, "X-Trace": task.Redacted, "Referer": "http://ref.example/", "User-Agent": "aria2-test/1", "Authorization": task.Redacted} {
		if got.Headers[name] != want {
			t.Errorf("header %s = %q, want %q (all: %v)", name, got.Headers[name], want, got.Headers)
		}
	}
	waitStatus(t, d, gid, "complete")
	var st map[string]any
	result(t, d, &st, "aria2.tellStatus", gid)
	files := st["files"].([]any)[0].(map[string]any)
	if files["path"] != filepath.Join(d.Cfg.DownloadDir, "music", "sub", "b.bin") || st["completedLength"] != "65536" || st["totalLength"] != "65536" || st["bitfield"] != "80" {
		t.Fatalf("status %v", st)
	}
	reqs := d.Origin.Requests("/a.bin")
	if h := reqs[0].Header; h.Get("Referer") != "http://ref.example/" || h.Get("User-Agent") != "aria2-test/1" || h.Get("Cookie") != "c=1" || !strings.HasPrefix(h.Get("Authorization"), "Basic ") {
		t.Fatalf("origin saw %v", h)
	}
}

func TestPauseUnpauseRemoveAndLists(t *testing.T) {
	d := start(t, nil)
	gate := make(chan struct{})
	defer close(gate)
	var gids []string
	for i := range 3 {
		u := d.Origin.Add("/f"+string(rune('a'+i)), &enginetest.File{Data: enginetest.Bytes(1000, uint64(i)), Gate: gate})
		var gid string
		result(t, d, &gid, "aria2.addUri", []string{u})
		gids = append(gids, gid)
	}
	for _, g := range gids {
		waitStatus(t, d, g, "active")
	}
	var active []map[string]string
	result(t, d, &active, "aria2.tellActive", []string{"gid", "status"})
	if len(active) != 3 || len(active[0]) != 2 {
		t.Fatalf("tellActive %v", active)
	}
	for _, g := range gids {
		var got string
		result(t, d, &got, "aria2.pause", g)
		if got != g {
			t.Fatalf("pause answered %q", got)
		}
		waitStatus(t, d, g, "paused")
	}
	if e := failure(t, d, "aria2.pause", gids[0]); e.Code != 1 || e.Message != "GID#"+gids[0]+" cannot be paused now" {
		t.Fatalf("pausing a paused download: %+v", e)
	}
	// Negative offsets count from the end and run backwards.
	var waiting []map[string]string
	result(t, d, &waiting, "aria2.tellWaiting", -1, 2, []string{"gid"})
	if len(waiting) != 2 || waiting[0]["gid"] != gids[2] || waiting[1]["gid"] != gids[1] {
		t.Fatalf("tellWaiting(-1, 2) = %v, want %s then %s", waiting, gids[2], gids[1])
	}
	result(t, d, &waiting, "aria2.tellWaiting", 1, 5, []string{"gid", "status"})
	if len(waiting) != 2 || waiting[0]["gid"] != gids[1] || waiting[0]["status"] != "paused" {
		t.Fatalf("tellWaiting(1, 5) = %v", waiting)
	}
	result(t, d, nil, "aria2.unpause", gids[0])
	waitStatus(t, d, gids[0], "active")
	result(t, d, nil, "aria2.remove", gids[1])
	waitStatus(t, d, gids[1], "removed")
	var stoppedList []map[string]string
	result(t, d, &stoppedList, "aria2.tellStopped", 0, 10, []string{"gid", "status"})
	if len(stoppedList) != 1 || stoppedList[0]["gid"] != gids[1] {
		t.Fatalf("tellStopped %v", stoppedList)
	}
	var stat map[string]string
	result(t, d, &stat, "aria2.getGlobalStat")
	if stat["numActive"] != "1" || stat["numWaiting"] != "1" || stat["numStopped"] != "1" {
		t.Fatalf("getGlobalStat %v", stat)
	}
	result(t, d, nil, "aria2.removeDownloadResult", gids[1])
	if e := failure(t, d, "aria2.tellStatus", gids[1]); e.Message != "GID "+gids[1]+" is not found" {
		t.Fatalf("after removeDownloadResult: %+v", e)
	}
}

func TestGIDsSurviveARestart(t *testing.T) {
	d := start(t, nil)
	u := d.Origin.Add("/r.bin", &enginetest.File{Data: enginetest.Bytes(1000, 9)})
	var gid string
	result(t, d, &gid, "aria2.addUri", []string{u})
	waitStatus(t, d, gid, "complete")
	d.Reopen()
	if got := status(t, d, gid, "gid"); got != gid {
		t.Fatalf("after a restart tellStatus(%s) has gid %q", gid, got)
	}
	var stoppedList []map[string]string
	result(t, d, &stoppedList, "aria2.tellStopped", 0, 1, []string{"gid"})
	if stoppedList[0]["gid"] != gid {
		t.Fatalf("tellStopped %v, want gid %s", stoppedList, gid)
	}
	// A task added over REST has a gid too, the same after a restart.
	d.Auth = secret
	rest := d.Add(map[string]any{"url": d.Origin.Add("/rest.bin", &enginetest.File{Data: enginetest.Bytes(1000, 10)})})
	d.WaitState(rest.ID, task.Completed, 10*time.Second)
	result(t, d, &stoppedList, "aria2.tellStopped", -1, 1, []string{"gid"})
	restGID := stoppedList[0]["gid"]
	d.Reopen()
	var files []map[string]any
	result(t, d, &files, "aria2.getFiles", restGID)
	if files[0]["path"] != filepath.Join(d.Cfg.DownloadDir, "rest.bin") {
		t.Fatalf("gid %s of a REST task after a restart: files %v", restGID, files)
	}
}

func TestGlobalOptions(t *testing.T) {
	d := start(t, nil)
	result(t, d, nil, "aria2.changeGlobalOption", map[string]string{
		"max-concurrent-downloads": "7", "max-overall-download-limit": "512K", "split": "6", "log-level": "ignored",
	})
	var opts map[string]string
	result(t, d, &opts, "aria2.getGlobalOption")
	if opts["max-concurrent-downloads"] != "7" || opts["max-overall-download-limit"] != "524288" || opts["split"] != "6" || opts["dir"] != d.Cfg.DownloadDir {
		t.Fatalf("getGlobalOption %v", opts)
	}
	var s task.Settings
	d.Auth = secret
	d.Call("GET", "/api/settings", nil, &s)
	if s.MaxConcurrent != 7 || s.SpeedLimit != 512<<10 || s.Connections != 6 {
		t.Fatalf("settings %+v", s)
	}
	if e := failure(t, d, "aria2.changeGlobalOption", map[string]string{"max-concurrent-downloads": "lots"}); e.Code != 1 || !strings.Contains(e.Message, "max-concurrent-downloads") {
		t.Fatalf("bad value: %+v", e)
	}
}

func TestShutdownStopsTheDaemonThroughItsHook(t *testing.T) {
	asked := make(chan struct{})
	d := start(t, func(c *engine.Config) { c.Shutdown = func() { close(asked) } })
	var ok string
	result(t, d, &ok, "aria2.shutdown")
	select {
	case <-asked:
	case <-time.After(5 * time.Second):
		t.Fatal("aria2.shutdown did not ask the daemon to stop")
	}
	if ok != "OK" {
		t.Fatalf("shutdown answered %q", ok)
	}
}
