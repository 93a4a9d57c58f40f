package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/engine/task"
)

func TestClientSettings(t *testing.T) {
	h := enginetest.Start(t, nil)
	r := runCLI(t, h, "settings").must(t, 0)
	if !strings.Contains(r.out, "max_concurrent   3\n") || !strings.Contains(r.out, "speed_limit      none\n") {
		t.Fatalf("settings: %q", r.out)
	}
	r = runCLI(t, h, "settings", "--max-concurrent", "5", "--speed-limit", "2M").must(t, 0)
	var s task.Settings
	h.Call("GET", "/api/settings", nil, &s)
	if s.MaxConcurrent != 5 || s.SpeedLimit != 2<<20 || s.MaxRetries != 5 {
		t.Fatalf("settings after the change: %+v", s)
	}
	if !strings.Contains(r.out, "max_concurrent   5\n") || !strings.Contains(r.out, "speed_limit      2.0 MiB/s (2097152 bytes/s)\n") {
		t.Fatalf("settings changed: %q", r.out)
	}
	r = runCLI(t, h, "settings", "--speed-limit", "none", "--json").must(t, 0)
	if err := json.Unmarshal([]byte(r.out), &s); err != nil || s.SpeedLimit != 0 || s.MaxConcurrent != 5 {
		t.Fatalf("settings --json: %v %q", err, r.out)
	}
	r = runCLI(t, h, "settings", "--max-concurrent", "0").must(t, 1)
	if !strings.Contains(r.errOut, "max_concurrent must be between 1") {
		t.Fatalf("a bad setting: %q", r.errOut)
	}
	runCLI(t, h, "settings", "--speed-limit", "fast").must(t, 2)
}

func TestParseRate(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "none": 0, "1048576": 1 << 20, "500K": 500 << 10, "2M": 2 << 20, "1.5m": 3 << 19,
		"1G": 1 << 30, "2MiB": 2 << 20, "2MB/s": 2 << 20, "100B": 100} {
		if got, err := parseRate(in); err != nil || got != want {
			t.Errorf("parseRate(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "fast", "-1", "2X", "M"} {
		if _, err := parseRate(in); err == nil {
			t.Errorf("parseRate(%q) took it", in)
		}
	}
}

func TestClientStats(t *testing.T) {
	h := enginetest.Start(t, nil)
	url := h.Origin.Add("/s.bin", &enginetest.File{Data: enginetest.Bytes(100, 2)})
	tk := h.Add(map[string]any{"url": url})
	h.WaitState(tk.ID, task.Completed, 10*time.Second)
	enginetest.Eventually(t, 10*time.Second, "the store to count the completed task", func() bool {
		return strings.Contains(runCLI(t, h, "stats").must(t, 0).out, "stored     1 tasks: 1 completed\n")
	})
	r := runCLI(t, h, "stats").must(t, 0)
	if !strings.Contains(r.out, "completed  1\n") || !strings.Contains(r.out, "active     0 (downloading at 0 B/s)\n") {
		t.Fatalf("stats: %q", r.out)
	}
	r = runCLI(t, h, "stats", "--json").must(t, 0)
	var s task.Stats
	if err := json.Unmarshal([]byte(r.out), &s); err != nil || s.Completed != 1 || s.DBCounts["all"] != 1 {
		t.Fatalf("stats --json: %v %q", err, r.out)
	}
}
