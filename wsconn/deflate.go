package wsconn

import (
	"bytes"
	"compress/flate"
	"net/http"
	"strings"
	"sync"

	"github.com/fetchd/fetchd/actors/hub"
	"github.com/fetchd/fetchd/engine/task"
)

// compressFrom is the smallest message worth compressing (PROTOCOL.md,
// "Compression"): below it, the frame goes out as it is.
const compressFrom = 1 << 10

// rsv1 marks a compressed message (RFC 7692).
const rsv1 = 0x40

// deflated is a dialect with permessage-deflate, no context takeover: each
// message is compressed on its own, so one compressed frame serves every
// connection that negotiated it, and the hub derives it once from the frame
// the uncompressed connections get.
type deflated struct{ base hub.Codec }

func (d deflated) Base() hub.Codec { return d.base }

func (d deflated) Encode(ev task.Event, at hub.Position, subs task.Subscriptions) []byte {
	if f := d.base.Encode(ev, at, subs); f != nil {
		return d.Derive(ev, f)
	}
	return nil
}

// Derive compresses each of the base's frames on its own: a message of the
// events dialect may be several frames, one per batch.
func (deflated) Derive(_ task.Event, frames []byte) []byte {
	payload, rest := Payload(frames)
	if len(rest) == 0 {
		return deflateFrame(frames, payload)
	}
	var out []byte
	for f := frames; len(f) > 0; f = rest {
		payload, rest = Payload(f)
		if payload == nil {
			return frames // not frames this package made: sent as they are
		}
		out = append(out, deflateFrame(f[:len(f)-len(rest)], payload)...)
	}
	return out
}

// deflateFrame is frame compressed, or frame itself when it is too short to
// pay (or not a whole frame).
func deflateFrame(frame, payload []byte) []byte {
	if len(payload) < compressFrom {
		return frame
	}
	w := flaters.Get().(*flater)
	defer flaters.Put(w)
	w.buf.Reset()
	w.buf.Write(make([]byte, maxHeader))
	w.fw.Reset(&w.buf)
	w.fw.Write(payload)
	w.fw.Flush() // ends with the empty stored block 00 00 ff ff, which RFC 7692 drops
	b := w.buf.Bytes()
	b = b[:len(b)-4]
	out := finish(bytes.Clone(b), opText)
	out[0] |= rsv1
	return out
}

// headerSize is the length of a server frame's header (no mask).
func headerSize(frame []byte) int {
	if len(frame) < 2 {
		return len(frame)
	}
	switch frame[1] & 0x7f {
	case 126:
		return 4
	case 127:
		return 10
	default:
		return 2
	}
}

type flater struct {
	buf bytes.Buffer
	fw  *flate.Writer
}

// flaters reuse flate writers: a new one costs hundreds of KiB.
var flaters = sync.Pool{New: func() any {
	fw, _ := flate.NewWriter(nil, flate.BestSpeed)
	return &flater{fw: fw}
}}

// offersDeflate reports whether a client's upgrade offers permessage-deflate.
// The server's answer is always "no context takeover" both ways, which RFC
// 7692 lets a server ask whatever the offer's parameters.
func offersDeflate(h http.Header) bool {
	for _, v := range h.Values("Sec-WebSocket-Extensions") {
		for _, ext := range strings.Split(v, ",") {
			name, _, _ := strings.Cut(ext, ";")
			if strings.EqualFold(strings.TrimSpace(name), "permessage-deflate") {
				return true
			}
		}
	}
	return false
}
