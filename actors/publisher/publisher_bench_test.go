package publisher

import (
	"fmt"
	"testing"

	"github.com/fetchd/fetchd/engine/task"
)

// BenchmarkFlush1000Active is one flush with 1,000 downloads that all moved
// since the last one: the publisher's work every 500 ms under load.
func BenchmarkFlush1000Active(b *testing.B) {
	p := &Publisher{current: map[string]*task.Task{}, lastSent: map[string]*task.Task{}, pending: map[string]struct{}{}}
	for i := range 1000 {
		t := &task.Task{ID: fmt.Sprintf("%08d-0000-4000-8000-000000000000", i), URL: "http://origin/f", State: task.Downloading, Size: 1 << 30, Meta: map[string]string{}}
		p.current[t.ID], p.lastSent[t.ID] = t, t
	}
	b.ReportAllocs()
	for i := range b.N {
		for id, t := range p.current {
			moved := *t
			moved.SetProgress(int64(i+1)<<16, t.Size)
			moved.Speed, moved.ETA = float64(i%7)*1e6, float64(i%11)
			p.current[id] = &moved
			p.pending[id] = struct{}{}
		}
		if batch, ok := p.batch(); !ok || len(batch.Deltas) != 1000 {
			b.Fatalf("batch of %d", len(batch.Deltas))
		}
	}
}
