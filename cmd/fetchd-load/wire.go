package main

import (
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// wire is the harness's own WebSocket client: the handshake and the frames,
// nothing else. A harness sharing two cores with the daemon cannot inflate
// every compressed message of thousands of clients, so it inflates whole
// messages only for the clients it times or verifies, and for the others
// just the head that names the message ("type", "ts", "seq"): every batch
// is still counted, exactly.
type wire struct {
	conn     net.Conn
	br       *bufio.Reader
	deflate  bool // negotiated
	wmu      sync.Mutex
	payload  []byte // reused
	inflated []byte // reused
}

// closeError is the server's close frame.
type closeError struct{ code int }

func (e *closeError) Error() string { return fmt.Sprintf("closed by the server with %d", e.code) }

func closeCodeOf(err error) int {
	var ce *closeError
	if errors.As(err, &ce) {
		return ce.code
	}
	return 0
}

// dialWire upgrades GET path?query, offering permessage-deflate when
// compress is set.
func dialWire(ctx context.Context, base, path, query, token string, compress bool) (*wire, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	key := make([]byte, 16)
	rand.Read(key)
	var req strings.Builder
	target := path
	if query != "" {
		target += "?" + query
	}
	fmt.Fprintf(&req, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: %s\r\n",
		target, u.Host, base64.StdEncoding.EncodeToString(key))
	if compress {
		req.WriteString("Sec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover\r\n")
	}
	if token != "" {
		fmt.Fprintf(&req, "Authorization: Bearer %s\r\n", token)
	}
	req.WriteString("\r\n")
	if _, err := io.WriteString(conn, req.String()); err != nil {
		conn.Close()
		return nil, err
	}
	br := bufio.NewReaderSize(conn, 16<<10)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		conn.Close()
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		conn.Close()
		return nil, fmt.Errorf("upgrade answered %s", resp.Status)
	}
	conn.SetDeadline(time.Time{})
	return &wire{conn: conn, br: br, deflate: strings.Contains(resp.Header.Get("Sec-WebSocket-Extensions"), "permessage-deflate")}, nil
}

// next returns the next data message: whole, or, unless whole is set, at
// least its first headBytes (inflated) bytes. A message sent in fragments
// is put back together first; pings are answered on the way.
func (w *wire) next(whole bool) (msg []byte, wireBytes int, err error) {
	msg = w.payload[:0]
	compressed, started := false, false
	for {
		var h [2]byte
		if _, err := io.ReadFull(w.br, h[:]); err != nil {
			return nil, 0, err
		}
		n := uint64(h[1] & 0x7f)
		switch n {
		case 126:
			var b [2]byte
			if _, err := io.ReadFull(w.br, b[:]); err != nil {
				return nil, 0, err
			}
			n = uint64(binary.BigEndian.Uint16(b[:]))
		case 127:
			var b [8]byte
			if _, err := io.ReadFull(w.br, b[:]); err != nil {
				return nil, 0, err
			}
			n = binary.BigEndian.Uint64(b[:])
		}
		if n > 1<<30 || uint64(len(msg))+n > 1<<30 {
			return nil, 0, fmt.Errorf("a message of over %d bytes", 1<<30)
		}
		op, fin := h[0]&0x0f, h[0]&0x80 != 0
		if op >= 0x8 { // control frames come between fragments, whole
			p := make([]byte, n)
			if _, err := io.ReadFull(w.br, p); err != nil {
				return nil, 0, err
			}
			switch op {
			case 0x9: // ping
				w.write(0xA, p)
			case 0x8: // close
				code := 1005
				if len(p) >= 2 {
					code = int(binary.BigEndian.Uint16(p))
				}
				w.write(0x8, p[:min(len(p), 2)])
				return nil, 0, &closeError{code}
			}
			continue
		}
		switch {
		case op == 0x1 || op == 0x2:
			if started {
				return nil, 0, errors.New("a new message inside a fragmented one")
			}
			started, compressed = true, h[0]&0x40 != 0
		case op != 0x0 || !started:
			return nil, 0, fmt.Errorf("unexpected frame opcode %#x", op)
		}
		at := len(msg)
		msg = slices.Grow(msg, int(n))[:at+int(n)]
		if _, err := io.ReadFull(w.br, msg[at:]); err != nil {
			return nil, 0, err
		}
		if !fin {
			continue
		}
		w.payload = msg
		if !compressed {
			return msg, len(msg), nil
		}
		out, err := w.inflate(msg, whole)
		return out, len(msg), err
	}
}

// headBytes is enough of a message to find its type, ts and seq.
const headBytes = 128

// tail ends a message compressed without context takeover (RFC 7692), and
// then the stream.
var tail = []byte{0, 0, 0xff, 0xff, 1, 0, 0, 0xff, 0xff}

var inflaters = sync.Pool{New: func() any { return flate.NewReader(bytes.NewReader(nil)) }}

func (w *wire) inflate(p []byte, whole bool) ([]byte, error) {
	if !whole {
		if h, ok := heads.get(p); ok {
			return h, nil
		}
	}
	fr := inflaters.Get().(io.ReadCloser)
	defer inflaters.Put(fr)
	fr.(flate.Resetter).Reset(io.MultiReader(bytes.NewReader(p), bytes.NewReader(tail)), nil)
	out := w.inflated[:0]
	for {
		if len(out) == cap(out) {
			out = append(out, 0)[:len(out)]
		}
		k, err := fr.Read(out[len(out):cap(out)])
		out = out[:len(out)+k]
		if err == io.EOF || !whole && len(out) >= headBytes {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("inflate: %w", err)
		}
	}
	w.inflated = out
	if !whole {
		heads.put(p, out)
	}
	return out, nil
}

// headCache keeps the inflated head of recent compressed messages by their
// compressed bytes. The server compresses a message once for everyone, so
// thousands of clients get the very same bytes: the harness inflates each
// message once, not once per client (a flate reader decodes a whole window
// even to hand out 128 bytes), and every client still reads its own frame.
type headCache struct {
	mu   sync.Mutex
	seed maphash.Seed
	m    map[headKey][]byte
}

type headKey struct {
	sum uint64
	n   int
}

var heads = &headCache{seed: maphash.MakeSeed(), m: map[headKey][]byte{}}

func (c *headCache) key(p []byte) headKey { return headKey{maphash.Bytes(c.seed, p), len(p)} }

func (c *headCache) get(p []byte) ([]byte, bool) {
	k := c.key(p)
	c.mu.Lock()
	defer c.mu.Unlock()
	h, ok := c.m[k]
	return h, ok
}

func (c *headCache) put(p, head []byte) {
	k := c.key(p)
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= 4096 { // a few minutes of messages: start over
		clear(c.m)
	}
	c.m[k] = bytes.Clone(head)
}

// send writes a text message, masked as a client must.
func (w *wire) send(msg []byte) error { return w.write(0x1, msg) }

func (w *wire) write(op byte, payload []byte) error {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	b := []byte{0x80 | op}
	switch n := len(payload); {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n < 1<<16:
		b = append(b, 0x80|126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, 0x80|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	var mask [4]byte
	rand.Read(mask[:])
	b = append(b, mask[:]...)
	for i, c := range payload {
		b = append(b, c^mask[i%4])
	}
	w.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, err := w.conn.Write(b)
	return err
}

func (w *wire) close() error { return w.conn.Close() }
