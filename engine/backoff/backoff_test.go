package backoff

import (
	"testing"
	"time"
)

func TestDelayDoublesToTheCapWithJitter(t *testing.T) {
	p := Policy{Base: time.Second, Max: 5 * time.Minute}
	cases := []struct {
		n    int
		want time.Duration
	}{{0, time.Second}, {1, 2 * time.Second}, {3, 8 * time.Second}, {8, 256 * time.Second}, {9, 5 * time.Minute}, {60, 5 * time.Minute}}
	for _, c := range cases {
		for range 200 {
			d := p.Delay(c.n)
			lo, hi := time.Duration(float64(c.want)*0.8), time.Duration(float64(c.want)*1.2)
			if d < lo || d > hi {
				t.Fatalf("Delay(%d) = %s, want %s ±20%%", c.n, d, c.want)
			}
		}
	}
}
