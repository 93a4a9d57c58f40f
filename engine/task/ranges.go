package task

// Range is one part of a segmented download's file: bytes [Start, Pos) are
// on disk, [Pos, End) are still to come. A task's ranges are checkpointed
// with it, out of its wire form, so a restart resumes each where it stopped.
type Range struct {
	Start int64 `json:"start"`
	Pos   int64 `json:"pos"`
	End   int64 `json:"end"`
}

// Done sums the bytes on disk over ranges.
func Done(ranges []Range) int64 {
	var n int64
	for _, r := range ranges {
		n += r.Pos - r.Start
	}
	return n
}

// MaxConnections bounds a task's parallel connections.
const MaxConnections = 16
