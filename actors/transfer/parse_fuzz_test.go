package transfer

import (
	"testing"
	"time"
)

// FuzzContentRange checks that an accepted Content-Range is a range inside
// its file, and that rangeTotal never reads a negative size.
func FuzzContentRange(f *testing.F) {
	f.Fuzz(func(t *testing.T, v string) {
		start, end, total, ok := parseContentRange(v)
		if ok {
			if start < 0 || end < start || total != -1 && end >= total {
				t.Fatalf("parseContentRange(%q) = %d, %d, %d", v, start, end, total)
			}
		} else if start != 0 || end != 0 || total != 0 {
			t.Fatalf("parseContentRange(%q) refused, but = %d, %d, %d", v, start, end, total)
		}
		if n := rangeTotal(v); n < -1 {
			t.Fatalf("rangeTotal(%q) = %d", v, n)
		}
	})
}

// FuzzRetryAfter checks that a Retry-After never asks for a negative wait.
func FuzzRetryAfter(f *testing.F) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		if d := retryAfter(v, now); d < 0 {
			t.Fatalf("retryAfter(%q) = %s", v, d)
		}
	})
}
