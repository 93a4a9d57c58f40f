package main

import "testing"

// The verdict tells a leak, which goes on growing, from a warm-up that
// stops, and a column it could not measure from a flat one.
func TestSoakVerdict(t *testing.T) {
	rss := func(mb ...int64) []soakSample {
		out := make([]soakSample, len(mb))
		for i, m := range mb {
			out[i] = soakSample{footprint: footprint{RSS: m << 20, Goroutines: 100, FDs: 50, StoreBytes: -1}}
		}
		return out
	}
	for _, c := range []struct {
		name           string
		samples        []soakSample
		flat, halfFlat bool
	}{
		{"steady", rss(20, 60, 62, 58, 61, 63), true, true},
		{"leak", rss(20, 60, 70, 80, 90, 100), false, false},
		{"long warm-up", rss(20, 60, 90, 100, 98, 101, 99, 100), false, true},
		{"small and noisy", rss(5, 10, 12, 9, 14, 15), true, true}, // +50 %, within 8 MiB
	} {
		v := judge(c.samples)
		if !v[0].Known || v[0].Flat != c.flat || v[0].HalfFlat != c.halfFlat {
			t.Errorf("%s: RSS verdict %+v; want flat %v, second half flat %v", c.name, v[0], c.flat, c.halfFlat)
		}
		if !v[1].Flat || !v[2].Flat {
			t.Errorf("%s: steady goroutines or fds not flat: %+v", c.name, v[1:3])
		}
		if v[3].Known {
			t.Errorf("%s: store with no data dir judged: %+v", c.name, v[3])
		}
	}
	if v := judge(rss(20, 60)); v[0].Known {
		t.Errorf("two samples judged: %+v", v[0])
	}
}
