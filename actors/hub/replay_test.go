package hub

import (
	"testing"
	"time"
)

// What is kept for resuming clients is bounded in bytes whatever the
// traffic, keeps at least the configured window while it fits, and serves
// exactly the frames after a position.
func TestReplayIsBoundedAndKeepsItsWindow(t *testing.T) {
	r := replay{limits: ReplayLimits{Keep: time.Minute, Bytes: 1000, MaxBytes: 4000}}
	start := time.Now()
	frame := make([]byte, 100)
	for i := range 1000 { // a burst: 100 KB within a second
		r.add(uint64(i+1), frame, start.Add(time.Duration(i)*time.Millisecond))
		if r.bytes > 4000 {
			t.Fatalf("%d bytes kept after %d frames, over the 4000 bound", r.bytes, i+1)
		}
	}
	if r.bytes != 4000 {
		t.Fatalf("%d bytes kept of a burst younger than the window; want the 4000 bound", r.bytes)
	}
	// Quiet for longer than the window: a new frame lets the old ones go
	// down to Bytes, not further.
	r.add(1001, frame, start.Add(2*time.Minute))
	if r.bytes != 1000 {
		t.Fatalf("%d bytes kept once the burst is old; want 1000", r.bytes)
	}
	got, ok := r.after(995, 1001)
	if !ok || len(got) != 6 || got[0].seq != 996 || got[5].seq != 1001 {
		t.Fatalf("after 995: %d frames (ok %v)", len(got), ok)
	}
	if _, ok := r.after(990, 1001); ok {
		t.Fatal("after 990 claims frames it no longer holds")
	}
}
