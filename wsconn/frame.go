// Package wsconn is fetchd's WebSocket layer: the upgrade, one connection
// actor per socket with its bounded outbound queue, and the dialect codecs.
// The Go client is wsconn/client; the two are the only packages that know
// gorilla/websocket.
package wsconn

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"unicode/utf8"

	"github.com/fetchd/fetchd/actors/hub"
)

// A frame is a complete server-to-client WebSocket frame (final, unmasked),
// built once and written as-is to every connection it is for.

const (
	opText  = 0x1
	opClose = 0x8
	opPing  = 0x9
	opPong  = 0xA

	maxHeader = 10
)

// frameBuffer returns a buffer with room for a frame header in front.
func frameBuffer(sizeHint int) *bytes.Buffer {
	return bytes.NewBuffer(make([]byte, maxHeader, maxHeader+sizeHint))
}

// finish writes the header in front of the payload in b and returns the frame.
func finish(b []byte, opcode byte) []byte {
	n := len(b) - maxHeader
	switch {
	case n < 126:
		b[8], b[9] = 0x80|opcode, byte(n)
		return b[8:]
	case n < 1<<16:
		b[6], b[7] = 0x80|opcode, 126
		binary.BigEndian.PutUint16(b[8:], uint16(n))
		return b[6:]
	default:
		b[0], b[1] = 0x80|opcode, 127
		binary.BigEndian.PutUint64(b[2:], uint64(n))
		return b
	}
}

// jsonFrame encodes v as one text frame.
func jsonFrame(v any) []byte {
	buf := frameBuffer(256)
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		return nil // every message is plain data; this cannot happen
	}
	b := buf.Bytes()
	return finish(b[:len(b)-1], opText) // drop Encode's newline
}

// controlFrame builds a ping, pong or close frame; payload is at most 125 bytes.
func controlFrame(opcode byte, payload []byte) []byte {
	b := make([]byte, maxHeader, maxHeader+len(payload))
	return finish(append(b, payload...), opcode)
}

// closeFrame builds d's close frame with the reason cut to fit.
func closeFrame(d hub.Disconnect) []byte {
	p := binary.BigEndian.AppendUint16(nil, uint16(d.Code))
	reason := d.Reason
	for len(reason) > 123 {
		_, size := utf8.DecodeLastRuneInString(reason)
		reason = reason[:len(reason)-size]
	}
	return controlFrame(opClose, append(p, reason...))
}

// pingFrame is the server's ping, the same for everyone.
var pingFrame = controlFrame(opPing, nil)

// textFrame wraps a JSON text as one text frame.
func textFrame(payload []byte) []byte {
	return finish(append(frameBuffer(len(payload)).Bytes(), payload...), opText)
}

// TextFrame wraps a JSON text as one text frame.
func TextFrame(payload []byte) []byte { return textFrame(payload) }

// Payload is a frame's payload, or nil when b does not start with a whole
// frame; rest is what follows it.
func Payload(b []byte) (payload, rest []byte) {
	if len(b) < 2 {
		return nil, nil
	}
	n, size := uint64(b[1]&0x7f), headerSize(b)
	if len(b) < size {
		return nil, nil
	}
	switch size {
	case 4:
		n = uint64(binary.BigEndian.Uint16(b[2:]))
	case 10:
		n = binary.BigEndian.Uint64(b[2:])
	}
	if n > uint64(len(b)-size) {
		return nil, nil
	}
	end := size + int(n)
	return b[size:end], b[end:]
}
