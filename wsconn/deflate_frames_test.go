package wsconn

import (
	"bytes"
	"compress/flate"
	"io"
	"strings"
	"testing"

	"github.com/fetchd/fetchd/actors/hub"
	"github.com/fetchd/fetchd/engine/task"
)

// An events-dialect message of several frames (progress of several batches)
// is compressed frame by frame: each inflates to its own JSON message.
func TestSeveralFramesAreCompressedOneByOne(t *testing.T) {
	var ev task.BatchProgress
	for i := range 3 { // one frame each, big enough to compress, and one too small to
		meta := map[string]string{"chapterId": strings.Repeat(string(rune('a'+i)), 1500)}
		ev.Batches = append(ev.Batches, task.BatchStatus{Batch: task.Batch{ID: "b" + string(rune('0'+i)), Meta: meta}, Tasks: 3})
	}
	ev.Batches = append(ev.Batches, task.BatchStatus{Batch: task.Batch{ID: "small"}, Tasks: 1})
	plain := eventsCodec{}.Encode(ev, hub.Position{}, nil)
	compressed := Compress(eventsCodec{}).Derive(ev, plain) // the same frames: their timestamps too
	var want, got [][]byte
	for rest := plain; len(rest) > 0; {
		var p []byte
		p, rest = Payload(rest)
		want = append(want, p)
	}
	for rest := compressed; len(rest) > 0; {
		frame := rest
		var p []byte
		p, rest = Payload(rest)
		if p == nil {
			t.Fatalf("not whole frames: %q", compressed)
		}
		if frame[0]&rsv1 != 0 {
			inflated, err := io.ReadAll(flate.NewReader(io.MultiReader(bytes.NewReader(p), bytes.NewReader([]byte{0, 0, 0xff, 0xff, 1, 0, 0, 0xff, 0xff}))))
			if err != nil {
				t.Fatal(err)
			}
			p = inflated
		}
		got = append(got, p)
	}
	if len(got) != 4 || len(want) != 4 {
		t.Fatalf("%d frames compressed from %d, want 4 and 4", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("frame %d inflates to %q..., want %q...", i, got[i][:min(60, len(got[i]))], want[i][:60])
		}
	}
	if len(compressed) >= len(plain) {
		t.Fatalf("%d bytes compressed from %d: nothing saved", len(compressed), len(plain))
	}
}
