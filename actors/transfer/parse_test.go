package transfer

import (
	"math"
	"testing"
	"time"

	"github.com/fetchd/fetchd/engine/task"
)

func TestParseContentRange(t *testing.T) {
	for _, c := range []struct {
		in                string
		start, end, total int64
		ok                bool
	}{
		{"bytes 100-199/200", 100, 199, 200, true},
		{"bytes 0-0/*", 0, 0, -1, true},
		{"bytes */200", 0, 0, 0, false},
		{"bytes -5-10/20", 0, 0, 0, false},
		{"bytes 10-5/20", 0, 0, 0, false},
		{"bytes 0-199/200", 0, 199, 200, true},
		{"bytes 0-200/200", 0, 0, 0, false},
		{"items 1-2/3", 0, 0, 0, false},
		{"bytes 1-2/x", 0, 0, 0, false},
		{"", 0, 0, 0, false},
	} {
		start, end, total, ok := parseContentRange(c.in)
		if ok != c.ok || ok && (start != c.start || end != c.end || total != c.total) {
			t.Errorf("parseContentRange(%q) = %d, %d, %d, %v", c.in, start, end, total, ok)
		}
	}
	if rangeTotal("bytes */4096") != 4096 || rangeTotal("bytes 0-1/2") != -1 || rangeTotal("bytes */-3") != -1 {
		t.Error("rangeTotal")
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"":                              0,
		"7":                             7 * time.Second,
		"-1":                            0,
		"soon":                          0,
		"Thu, 01 Jan 2026 00:00:30 GMT": 30 * time.Second,
		"Wed, 31 Dec 2025 00:00:00 GMT": 0,
		// Seconds past what a Duration holds saturate instead of wrapping,
		// here to a negative wait and to 0.29 s.
		"9223372036854775807": math.MaxInt64,
		"18446744074":         math.MaxInt64,
	} {
		if got := retryAfter(in, now); got != want {
			t.Errorf("retryAfter(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestValidators(t *testing.T) {
	v := task.Validators{ETag: `"a"`, LastModified: "Mon, 01 Jan 2024 00:00:00 GMT", Size: 10}
	if ifRange(v) != `"a"` || ifRange(task.Validators{ETag: `W/"a"`, LastModified: "x"}) != "x" || ifRange(task.Validators{ETag: `W/"a"`}) != "" {
		t.Error("ifRange")
	}
	for got, want := range map[task.Validators]bool{
		{}:                             false,
		v:                              false,
		{ETag: `"b"`}:                  true,
		{LastModified: "y"}:            true,
		{Size: 11}:                     true,
		{ETag: `"a"`, Size: 10}:        false,
		{LastModified: v.LastModified}: false,
	} {
		if (changed(v, got) != "") != want {
			t.Errorf("changed(%+v, %+v) = %q", v, got, changed(v, got))
		}
	}
	if m := merged(task.Validators{Size: 10}, v); m != v {
		t.Errorf("merged = %+v", m)
	}
}
