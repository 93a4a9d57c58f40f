// Package bus carries an engine's live stream to gateways over NATS: each
// message as the frames the engine's own sockets get, with its place in the
// stream, and SYNC_ALL snapshots by request at an exact seq (PROTOCOL.md,
// "Gateways"). The frames are never decoded into tasks again.
package bus

import (
	"encoding/binary"
	"errors"

	"github.com/fetchd/fetchd/actors/hub"
	"github.com/fetchd/fetchd/wsconn"
)

// Subjects.
const (
	StreamSubject = "fetchd.stream" // every broadcast, in order
	SyncSubject   = "fetchd.sync"   // request: nothing; reply: a Snapshot
)

// The frames a Message carries, by slot.
const (
	TasksPlain = iota
	TasksCompressed
	EventsPlain
	EventsCompressed
	slots
)

// Message is one broadcast of the engine's stream.
type Message struct {
	End      bool // the engine is stopping: the stream of this epoch ends here
	At       hub.Position
	Numbered bool // At.Seq is this message's own seq; else the last one before it
	// N counts every message the engine put on the bus in this epoch, from
	// 1, numbered or not: a gateway that misses one, even one only the
	// events dialect sends, sees the gap.
	N uint64
	// Frames are whole WebSocket frames by slot, nil where the dialect has
	// nothing; a compressed slot is the plain one when compression would
	// not pay.
	Frames [slots][]byte
	// EventsKeys are the keys of each frame in Frames[EventsPlain]: a
	// subscribed connection sees a frame when it holds one of its keys.
	// Nil: every frame is for everyone.
	EventsKeys [][]string
}

// Snapshot is a SYNC_ALL of the tasks dialect at an exact place in the stream.
type Snapshot struct {
	At    hub.Position
	Frame []byte
}

const (
	version      = 2
	kindMessage  = 0
	kindEnd      = 1
	kindSnapshot = 2

	flagNumbered  = 1 << 0
	flagSamePlain = 1 << 1 // per slot, see appendSlot
)

var errMalformed = errors.New("bus: malformed message")

// Marshal encodes m for the bus.
func (m *Message) Marshal() []byte {
	n := 32 + len(m.At.Epoch)
	for _, f := range m.Frames {
		n += len(f) + 4
	}
	b := make([]byte, 0, n)
	kind, flags := byte(kindMessage), byte(0)
	if m.End {
		kind = kindEnd
	}
	if m.Numbered {
		flags |= flagNumbered
	}
	b = append(b, version, kind, flags)
	b = appendPosition(b, m.At)
	b = binary.AppendUvarint(b, m.N)
	for i, f := range m.Frames {
		if i == TasksCompressed || i == EventsCompressed {
			if plain := m.Frames[i-1]; len(f) > 0 && len(plain) > 0 && &f[0] == &plain[0] {
				b = append(b, flagSamePlain) // not compressed: don't send it twice
				continue
			}
		}
		b = append(b, 0)
		b = appendBytes(b, f)
	}
	b = binary.AppendUvarint(b, uint64(len(m.EventsKeys)))
	for _, keys := range m.EventsKeys {
		b = binary.AppendUvarint(b, uint64(len(keys)))
		for _, k := range keys {
			b = appendBytes(b, []byte(k))
		}
	}
	return b
}

// Unmarshal decodes a message of the bus; the frames alias data.
func (m *Message) Unmarshal(data []byte) error {
	r := reader{b: data}
	if r.byte() != version {
		return errors.New("bus: unknown message version")
	}
	kind, flags := r.byte(), r.byte()
	if kind != kindMessage && kind != kindEnd {
		return errMalformed
	}
	*m = Message{End: kind == kindEnd, Numbered: flags&flagNumbered != 0}
	m.At = r.position()
	m.N = r.uvarint()
	for i := range m.Frames {
		if r.byte() == flagSamePlain && i > 0 {
			m.Frames[i] = m.Frames[i-1]
			continue
		}
		if f := r.bytes(); len(f) > 0 {
			m.Frames[i] = f
		}
	}
	for i, f := range m.Frames {
		if f != nil && !wholeFrames(f, i == EventsPlain || i == EventsCompressed) {
			return errors.New("bus: a slot that is not whole frames")
		}
	}
	n := r.count()
	if n > 0 {
		m.EventsKeys = make([][]string, n)
		for i := range m.EventsKeys {
			keys := make([]string, r.count())
			for j := range keys {
				keys[j] = string(r.bytes())
			}
			m.EventsKeys[i] = keys
		}
	}
	return r.err
}

// Marshal encodes s for the bus.
func (s *Snapshot) Marshal() []byte {
	b := make([]byte, 0, len(s.Frame)+32+len(s.At.Epoch))
	b = append(b, version, kindSnapshot, 0)
	b = appendPosition(b, s.At)
	return appendBytes(b, s.Frame)
}

// Unmarshal decodes a snapshot of the bus; the frame aliases data.
func (s *Snapshot) Unmarshal(data []byte) error {
	r := reader{b: data}
	if r.byte() != version || r.byte() != kindSnapshot {
		return errMalformed
	}
	r.byte()
	s.At = r.position()
	s.Frame = r.bytes()
	if r.err == nil && len(s.Frame) == 0 {
		return errMalformed
	}
	return r.err
}

// wholeFrames reports whether f is one whole frame, or with several a run
// of them.
func wholeFrames(f []byte, several bool) bool {
	for n := 0; len(f) > 0; n++ {
		payload, rest := wsconn.Payload(f)
		if payload == nil || (n > 0 && !several) {
			return false
		}
		f = rest
	}
	return true
}

func appendPosition(b []byte, at hub.Position) []byte {
	b = appendBytes(b, []byte(at.Epoch))
	return binary.AppendUvarint(b, at.Seq)
}

func appendBytes(b, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

// reader reads what Marshal wrote; the first fault sticks.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail() { r.err, r.b = errMalformed, nil }

func (r *reader) byte() byte {
	if len(r.b) == 0 {
		r.fail()
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

// count is a length that must fit in what is left.
func (r *reader) count() int {
	v := r.uvarint()
	if v > uint64(len(r.b)) {
		r.fail()
		return 0
	}
	return int(v)
}

func (r *reader) bytes() []byte {
	n := r.count()
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) position() hub.Position {
	epoch := string(r.bytes())
	return hub.Position{Epoch: epoch, Seq: r.uvarint()}
}
