package engine_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/engine/task"
)

const mib = 1 << 20

// segmentedTask adds url with n connections and records the most segments
// the task showed while it ran.
func segmentedTask(t *testing.T, h *enginetest.Daemon, url string, n int) (task.Task, func() int) {
	t.Helper()
	tk := h.Add(map[string]any{"url": url, "connections": n})
	most := 0
	return tk, func() int {
		got := h.Get(tk.ID)
		most = max(most, got.Segments)
		if got.State == task.Failed {
			t.Fatalf("task failed: %s", enginetest.Deref(got.ErrorMessage))
		}
		return most
	}
}

// A file large enough is fetched over several ranged connections, each
// checked against the first answer's ETag, into one byte-identical file.
func TestSegmentedDownloadIsByteIdentical(t *testing.T) {
	h := enginetest.Start(t, nil)
	data := enginetest.Bytes(16*mib, 40)
	url := h.Origin.Add("/big.bin", &enginetest.File{Data: data, Rate: 4 * mib, ETag: `"big"`})
	tk, segments := segmentedTask(t, h, url, 4)
	enginetest.Eventually(t, 10*time.Second, "four connections at once", func() bool { return segments() == 4 })
	done := h.WaitState(tk.ID, task.Completed, 30*time.Second)
	fileIs(t, h, "big.bin", data)
	if done.Downloaded != int64(len(data)) || done.Segments != 0 || done.Connections != 4 {
		t.Fatalf("downloaded %d, segments %d, connections %d", done.Downloaded, done.Segments, done.Connections)
	}
	reqs := h.Origin.Requests("/big.bin")
	for _, r := range reqs[1:] {
		if r.End < r.Start || r.IfRange != `"big"` {
			t.Fatalf("range request %q with If-Range %q; want a bounded range checked against the ETag", r.Range, r.IfRange)
		}
	}
	if got := h.Origin.BytesSent(); got > int64(len(data))+int64(len(data))/10 {
		t.Fatalf("origin sent %d bytes for a %d-byte file", got, len(data))
	}
}

// A connection done early takes over half of the largest range left: the
// slow range's tail is fetched by another connection.
func TestConnectionDoneEarlyStealsHalfOfTheSlowestRange(t *testing.T) {
	h := enginetest.Start(t, nil)
	data := enginetest.Bytes(16*mib, 41)
	slow := int64(12 * mib) // the fourth range's start
	url := h.Origin.Add("/uneven.bin", &enginetest.File{Data: data, RateOf: func(start int64) int {
		if start == slow {
			return 512 << 10
		}
		return 0
	}})
	tk, _ := segmentedTask(t, h, url, 4)
	h.WaitState(tk.ID, task.Completed, 30*time.Second)
	fileIs(t, h, "uneven.bin", data)
	stolen := false
	for _, r := range h.Origin.Requests("/uneven.bin") {
		stolen = stolen || r.Start > slow
	}
	if !stolen {
		t.Fatalf("no connection took over part of the slow range: %+v", h.Origin.Requests("/uneven.bin"))
	}
}

// An origin that answers the opening range with 200 gets one connection.
func TestOriginRefusingRangesGetsOneConnection(t *testing.T) {
	h := enginetest.Start(t, nil)
	data := enginetest.Bytes(8*mib, 42)
	url := h.Origin.Add("/whole.bin", &enginetest.File{Data: data, IgnoreRange: true, Rate: 8 * mib})
	tk, segments := segmentedTask(t, h, url, 4)
	enginetest.Eventually(t, 10*time.Second, "one connection shown", func() bool { return segments() == 1 })
	h.WaitState(tk.ID, task.Completed, 30*time.Second)
	fileIs(t, h, "whole.bin", data)
	if n := len(h.Origin.Requests("/whole.bin")); n != 1 || h.Origin.MaxInFlight() != 1 || segments() > 1 {
		t.Fatalf("%d requests, %d at once, %d segments; want one connection", n, h.Origin.MaxInFlight(), segments())
	}
}

// 429 or 503 to an extra connection lowers the task's connection count; the
// other connections take its range and the task never fails or waits.
func TestRefusedConnectionLowersTheCount(t *testing.T) {
	for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			h := enginetest.Start(t, nil)
			data := enginetest.Bytes(16*mib, 43)
			url := h.Origin.Add("/capped.bin", &enginetest.File{Data: data, Rate: 4 * mib, MaxConns: 2, Refuse: status})
			tk, _ := segmentedTask(t, h, url, 4)
			done := h.WaitState(tk.ID, task.Completed, 30*time.Second)
			fileIs(t, h, "capped.bin", data)
			if done.Connections >= 4 || done.RetryCount != 0 {
				t.Fatalf("connections %d, retry_count %d; want the count lowered without a retry", done.Connections, done.RetryCount)
			}
		})
	}
}

// A file replaced on the origin while its segmented download was paused
// answers the ranges' If-Range with 200: the download starts over and ends
// with the new version whole.
func TestSegmentedFileChangedRestartsFromZero(t *testing.T) {
	for name, ignore := range map[string]bool{"If-Range honoured": false, "If-Range ignored": true} {
		t.Run(name, func(t *testing.T) {
			h := enginetest.Start(t, nil)
			v1, v2 := enginetest.Bytes(8*mib, 44), enginetest.Bytes(8*mib, 45)
			url := h.Origin.Add("/moving.bin", &enginetest.File{Data: v1, Rate: 2 * mib, ETag: `"v1"`, IgnoreIfRange: ignore})
			tk, _ := segmentedTask(t, h, url, 4)
			enginetest.Eventually(t, 10*time.Second, "bytes on disk", func() bool { return h.Get(tk.ID).Downloaded > 2*mib })
			h.Action(tk.ID, "pause")
			h.WaitState(tk.ID, task.Paused, 5*time.Second)
			resumeReplaced(t, h, tk.ID, "/moving.bin", v2, `"v2"`)
		})
	}
}

// A restart mid-way resumes every range from its checkpoint: the origin
// sends little more than the file once.
func TestRestartResumesEveryRange(t *testing.T) {
	h := enginetest.Start(t, nil)
	data := enginetest.Bytes(16*mib, 46)
	url := h.Origin.Add("/resumed.bin", &enginetest.File{Data: data, Rate: 2 * mib, ETag: `"r"`})
	tk, _ := segmentedTask(t, h, url, 4)
	enginetest.Eventually(t, 15*time.Second, "a quarter on disk", func() bool { return h.Get(tk.ID).Downloaded > 4*mib })
	before := len(h.Origin.Requests("/resumed.bin"))
	h.Reopen()
	h.WaitState(tk.ID, task.Completed, 30*time.Second)
	fileIs(t, h, "resumed.bin", data)
	resumed := 0
	for _, r := range h.Origin.Requests("/resumed.bin")[before:] {
		if r.Start%(4*mib) != 0 {
			resumed++
		}
	}
	again := h.Origin.BytesSent() - int64(len(data))
	t.Logf("bytes sent again after the restart: %d (%.1f %% of the file)", again, float64(again)*100/float64(len(data)))
	if resumed < 4 || again > int64(len(data))/10 {
		t.Fatalf("%d ranges resumed mid-way, %d bytes sent again; want every range resumed from its checkpoint", resumed, again)
	}
}

// A task's own limit holds across its connections: 4 MiB at 1 MiB/s over two
// connections, with one second's burst, needs at least three seconds.
func TestTaskSpeedLimitHolds(t *testing.T) {
	h := enginetest.Start(t, nil)
	data := enginetest.Bytes(4*mib, 47)
	url := h.Origin.Add("/limited.bin", &enginetest.File{Data: data})
	start := time.Now()
	tk := h.Add(map[string]any{"url": url, "connections": 2, "speed_limit": mib})
	if tk.SpeedLimit != mib {
		t.Fatalf("speed_limit %d", tk.SpeedLimit)
	}
	h.WaitState(tk.ID, task.Completed, 30*time.Second)
	if took := time.Since(start); took < 2500*time.Millisecond {
		t.Fatalf("4 MiB at 1 MiB/s took %s", took)
	}
	fileIs(t, h, "limited.bin", data)
}

// Lifting a global limit of 1 B/s wakes a transfer waiting on it at once.
func TestGlobalLimitChangeUnsticksWaitingTransfer(t *testing.T) {
	h := enginetest.Start(t, nil)
	h.Call("PUT", "/api/settings", map[string]any{"speed_limit": 1}, nil)
	data := enginetest.Bytes(1*mib, 48)
	tk := h.Add(map[string]any{"url": h.Origin.Add("/stuck.bin", &enginetest.File{Data: data})})
	h.WaitState(tk.ID, task.Downloading, 10*time.Second)
	// The first burst is written; the next read waits on the limit.
	enginetest.Eventually(t, 5*time.Second, "the first burst on disk", func() bool {
		_, body := scrape(t, h)
		return metric(t, body, "fetchd_downloaded_bytes_total") > 0
	})
	h.Call("PUT", "/api/settings", map[string]any{"speed_limit": 0}, nil)
	h.WaitState(tk.ID, task.Completed, 10*time.Second)
	fileIs(t, h, "stuck.bin", data)
}

// connections and speed_limit are checked; connections defaults to the setting.
func TestConnectionsSettingAndValidation(t *testing.T) {
	h := enginetest.Start(t, nil)
	var s task.Settings
	if h.Call("GET", "/api/settings", nil, &s); s.Connections != task.DefaultConnections {
		t.Fatalf("connections setting %d, want %d", s.Connections, task.DefaultConnections)
	}
	if code := h.Call("PUT", "/api/settings", map[string]any{"connections": 6}, &s); code != 200 || s.Connections != 6 {
		t.Fatalf("PUT connections 6: %d %+v", code, s)
	}
	url := h.Origin.Add("/x.bin", &enginetest.File{Data: []byte("x"), Gate: make(chan struct{})})
	if tk := h.Add(map[string]any{"url": url}); tk.Connections != 6 || tk.SpeedLimit != 0 {
		t.Fatalf("task connections %d speed_limit %d; want the setting and none", tk.Connections, tk.SpeedLimit)
	}
	for _, bad := range []string{`{"connections":0}`, `{"connections":17}`} {
		if code := h.Call("PUT", "/api/settings", bad, nil); code != 400 {
			t.Errorf("PUT %s: %d, want 400", bad, code)
		}
	}
	for _, bad := range []map[string]any{{"connections": 17}, {"connections": -1}, {"speed_limit": -1}} {
		bad["url"], bad["force"] = url, true
		if code := h.Call("POST", "/api/downloads", bad, nil); code != 400 {
			t.Errorf("POST %v: %d, want 400", bad, code)
		}
	}
}
