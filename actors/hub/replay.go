package hub

import "time"

// Position is a place in the server's one ordered stream: the run of the
// server (Epoch) and the number of the last message (Seq). PROTOCOL.md,
// "Resuming a stream".
type Position struct {
	Epoch string
	Seq   uint64
}

// ReplayLimits bound what is kept of the stream for clients that resume.
// An entry leaves once it is older than Keep and the rest still holds Bytes,
// or at once when more than MaxBytes are kept: memory stays bounded
// whatever the traffic.
type ReplayLimits struct {
	Keep     time.Duration
	Bytes    int
	MaxBytes int
}

// DefaultReplayLimits keep PROTOCOL.md's 60 s and 16 MiB, within 64 MiB.
func DefaultReplayLimits() ReplayLimits {
	return ReplayLimits{Keep: time.Minute, Bytes: 16 << 20, MaxBytes: 64 << 20}
}

// replay is the tail of the stream as already-encoded frames of the stream's
// codec, and what codecs derived from it (compression) made of them.
type replay struct {
	limits  ReplayLimits
	entries []replayed // oldest first; a ring over the slice
	head    int
	bytes   int
}

type replayed struct {
	seq     uint64
	at      time.Time
	frame   []byte
	derived map[Codec][]byte // filled when a resuming client needs it
}

// add keeps a frame of the stream; the entry is valid until the next add.
func (r *replay) add(seq uint64, frame []byte, now time.Time) *replayed {
	r.entries = append(r.entries, replayed{seq: seq, at: now, frame: frame})
	r.bytes += len(frame)
	for r.len() > 1 {
		old := &r.entries[r.head]
		if r.bytes <= r.limits.MaxBytes && (r.bytes <= r.limits.Bytes || now.Sub(old.at) <= r.limits.Keep) {
			break
		}
		r.bytes -= old.size()
		*old = replayed{}
		r.head++
	}
	// Compact once the dropped head is half the slice: amortised O(1).
	if r.head > 32 && r.head*2 > len(r.entries) {
		n := copy(r.entries, r.entries[r.head:])
		clear(r.entries[n:])
		r.entries, r.head = r.entries[:n], 0
	}
	return &r.entries[len(r.entries)-1]
}

func (r *replay) len() int { return len(r.entries) - r.head }

// after returns the kept entries after seq, or false when some of them are
// no longer kept. last is the stream's newest seq.
func (r *replay) after(seq, last uint64) ([]replayed, bool) {
	if seq == last {
		return nil, true
	}
	if r.len() == 0 || seq > last || r.entries[r.head].seq > seq+1 {
		return nil, false
	}
	i := r.head + int(seq+1-r.entries[r.head].seq) // seqs are consecutive
	return r.entries[i:], true
}

// frameFor returns e's frame as codec c sends it: the stream's own, or one
// derived from it (computed once, then kept with the entry).
func (r *replay) frameFor(e *replayed, c Codec, stream Codec) ([]byte, bool) {
	if c == stream {
		return e.frame, true
	}
	d, ok := c.(Derived)
	if !ok || d.Base() != stream {
		return nil, false
	}
	if f, ok := e.derived[c]; ok {
		return f, true
	}
	f := d.Derive(nil, e.frame)
	e.keepDerived(c, f, r)
	return f, true
}

// keepDerived keeps what codec c made of e's frame.
func (e *replayed) keepDerived(c Codec, f []byte, r *replay) {
	if _, ok := e.derived[c]; ok || len(f) == 0 || &f[0] == &e.frame[0] {
		return // kept already, or the frame itself (too short to compress)
	}
	if e.derived == nil {
		e.derived = map[Codec][]byte{}
	}
	e.derived[c] = f
	r.bytes += len(f)
}

func (e *replayed) size() int {
	n := len(e.frame)
	for _, f := range e.derived {
		n += len(f)
	}
	return n
}
