package cli

import (
	"testing"
)

func TestHumanFigures(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB", 40 << 20: "40.0 MiB", 1<<20 - 1: "1.0 MiB", 3 << 30: "3.0 GiB"} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %q, want %q", n, got, want)
		}
	}
	for s, want := range map[float64]string{0: "", 0.4: "1s", 23: "23s", 185: "3m05s", 3720: "1h02m", 1e9: ">99h"} {
		if got := humanETA(s); got != want {
			t.Errorf("humanETA(%v) = %q, want %q", s, got, want)
		}
	}
	if got := humanSpeed(1.5 * 1024 * 1024); got != "1.5 MiB/s" {
		t.Errorf("humanSpeed: %q", got)
	}
	if got := progressBar(50, 10); got != "[#####.....]" {
		t.Errorf("progressBar: %q", got)
	}
	if got := truncate("abcdef", 4); got != "abc…" {
		t.Errorf("truncate: %q", got)
	}
}
