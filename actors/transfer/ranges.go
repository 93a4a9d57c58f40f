package transfer

import (
	"cmp"
	"slices"
	"sync"

	"github.com/fetchd/fetchd/engine/task"
)

// minRange is the smallest range a connection is given: below it a request's
// round trip costs more than the parallelism gains.
const minRange = 1 << 20

// span is a range and whether a connection is working on it.
type span struct {
	task.Range
	owned bool
}

// plan is the ranges of one segmented transfer, shared by its connections.
// Pos only grows after the bytes before it were written, so a snapshot never
// claims bytes that are not in the file.
type plan struct {
	mu    sync.Mutex
	spans []*span
}

// connectionsFor is how many connections a file of size may use out of want:
// each range at least 2 × minRange.
func connectionsFor(size int64, want int) int {
	return int(min(int64(want), size/(2*minRange)))
}

// split cuts [0, size) into n ranges of nearly equal length.
func split(size int64, n int) []task.Range {
	out := make([]task.Range, n)
	for i := range n {
		start, end := size*int64(i)/int64(n), size*int64(i+1)/int64(n)
		out[i] = task.Range{Start: start, Pos: start, End: end}
	}
	return out
}

func newPlan(ranges []task.Range) *plan {
	p := &plan{}
	for _, r := range ranges {
		p.spans = append(p.spans, &span{Range: r})
	}
	return p
}

// take gives a connection its next range: one nobody works on, else the top
// half of the largest range still to come (work stealing), as long as both
// halves keep minRange; nil when nothing is worth another connection.
func (p *plan) take() *span {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range p.spans {
		if !s.owned && s.Pos < s.End {
			s.owned = true
			return s
		}
	}
	var big *span
	for _, s := range p.spans {
		if s.End-s.Pos >= 2*minRange && (big == nil || s.End-s.Pos > big.End-big.Pos) {
			big = s
		}
	}
	if big == nil {
		return nil
	}
	mid := big.Pos + (big.End-big.Pos)/2
	stolen := &span{Range: task.Range{Start: mid, Pos: mid, End: big.End}, owned: true}
	big.End = mid
	p.spans = append(p.spans, stolen)
	return stolen
}

// room is how many bytes s may still write: its end shrinks when another
// connection takes half of it.
func (p *plan) room(s *span) int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return s.End - s.Pos
}

// advance records n bytes written at s.Pos.
func (p *plan) advance(s *span, n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s.Pos += n
}

// release hands s back for another connection to take.
func (p *plan) release(s *span) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s.owned = false
}

// snapshot returns the ranges in file order, finished neighbours merged.
func (p *plan) snapshot() []task.Range {
	p.mu.Lock()
	out := make([]task.Range, 0, len(p.spans))
	for _, s := range p.spans {
		out = append(out, s.Range)
	}
	p.mu.Unlock()
	slices.SortFunc(out, func(a, b task.Range) int { return cmp.Compare(a.Start, b.Start) })
	merged := out[:0]
	for _, r := range out {
		if n := len(merged); n > 0 && merged[n-1].Pos == merged[n-1].End && merged[n-1].End == r.Start {
			merged[n-1].Pos, merged[n-1].End = r.Pos, r.End
			continue
		}
		merged = append(merged, r)
	}
	return merged
}

// complete reports whether every byte is written.
func (p *plan) complete() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range p.spans {
		if s.Pos < s.End {
			return false
		}
	}
	return true
}

// rewind drops what s holds past pos: bytes the origin sent that are not trusted.
func (p *plan) rewind(s *span, pos int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s.Pos = pos
}
