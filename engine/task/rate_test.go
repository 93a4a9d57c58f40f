package task

import "testing"

func TestParseRate(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "1000": 1000, "500K": 500 << 10, "2m": 2 << 20, "1.5M": 3 << 19, "1G": 1 << 30} {
		if got, err := ParseRate(in); err != nil || got != want {
			t.Errorf("ParseRate(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "K", "-1", "fast", "2X"} {
		if _, err := ParseRate(bad); err == nil {
			t.Errorf("ParseRate(%q) passed", bad)
		}
	}
}
