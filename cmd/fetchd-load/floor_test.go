package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The test binary stands in for fetchd-load when --floor runs its sender.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == floorSenderArg {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// --floor sends every socket every message through a bare sender process
// and times them all.
func TestFloorTimesEveryMessageOfABareSender(t *testing.T) {
	out := filepath.Join(t.TempDir(), "floor.json")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"--floor", "3000", "--conns", "40", "--duration", "2s", "--json", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var r floorResult
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	switch {
	case r.Conns != 40 || r.Bytes != 3000 || r.Writers < 2:
		t.Errorf("ran %d sockets of %d bytes with %d writers; want 40, 3000, at least 2", r.Conns, r.Bytes, r.Writers)
	case r.Rounds != 4:
		t.Errorf("%d rounds in 2 s at one every 500 ms, want 4", r.Rounds)
	case r.Missed != 0:
		t.Errorf("%d messages missed on a quiet loopback", r.Missed)
	case r.LagMax < r.LagP99 || r.LagP99 < r.LagP50 || r.WriteMax < r.WriteP50 || r.WriteMax == 0:
		t.Errorf("figures out of order: lag %d/%d/%d ms, writes p50 %.1f max %.1f ms", r.LagP50, r.LagP99, r.LagMax, r.WriteP50, r.WriteMax)
	}
	if !strings.Contains(stdout.String(), "no daemon") {
		t.Errorf("table:\n%s", stdout.String())
	}
}

func TestFloorRefusesWhatItDoesNotMeasure(t *testing.T) {
	for _, args := range [][]string{
		{"--floor", "4"},
		{"--floor", "1000", "--spawn"},
		{"--floor", "1000", "--url", "http://127.0.0.1:1"},
		{"--floor", "1000", "--duration", "100ms"},
	} {
		var stderr bytes.Buffer
		if code := run(args, &bytes.Buffer{}, &stderr); code != 2 || !strings.Contains(stderr.String(), "--floor") {
			t.Errorf("%v: exit %d, %q; want 2 and a word on --floor", args, code, stderr.String())
		}
	}
}
