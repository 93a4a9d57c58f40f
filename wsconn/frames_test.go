package wsconn_test

import (
	"bufio"
	"encoding/binary"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/fetchd/fetchd/engine/enginetest"
)

// rawConn is a WebSocket opened by hand, to send frames no library would.
func rawConn(t *testing.T, h *enginetest.Daemon) (net.Conn, *bufio.Reader) {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(strings.Replace(h.Srv.URL, "http", "ws", 1)+"/api/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ws.ReadMessage(); err != nil { // SYNC_ALL
		t.Fatal(err)
	}
	conn := ws.NetConn()
	t.Cleanup(func() { conn.Close() })
	return conn, bufio.NewReader(conn)
}

// closeFrames reads server frames until the socket ends and returns the close
// codes among them.
func closeFrames(t *testing.T, conn net.Conn, r *bufio.Reader) []int {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	var codes []int
	for {
		var head [2]byte
		if _, err := io.ReadFull(r, head[:]); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatal("the socket stayed open")
			}
			return codes
		}
		n := int(head[1] & 0x7f)
		switch n {
		case 126:
			var ext [2]byte
			io.ReadFull(r, ext[:])
			n = int(binary.BigEndian.Uint16(ext[:]))
		case 127:
			var ext [8]byte
			io.ReadFull(r, ext[:])
			n = int(binary.BigEndian.Uint64(ext[:]))
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(r, payload); err != nil {
			return codes
		}
		if head[0]&0x0f == 0x8 && n >= 2 {
			codes = append(codes, int(binary.BigEndian.Uint16(payload)))
		}
	}
}

// A frame that declares 2^63−1 bytes is refused at its header, with one
// close frame 1009, and the socket ends without waiting for the bytes.
func TestAHugeDeclaredFrameClosesAtOnce(t *testing.T) {
	h := enginetest.Start(t, nil)
	conn, r := rawConn(t, h)
	header := []byte{0x81, 0x80 | 127, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4} // masked text, 2^63−1 bytes
	if _, err := conn.Write(header); err != nil {
		t.Fatal(err)
	}
	if codes := closeFrames(t, conn, r); len(codes) != 1 || codes[0] != 1009 {
		t.Fatalf("close frames %v, want exactly one 1009", codes)
	}
}

// A frame the protocol forbids (reserved bits set) gets exactly one close
// frame, 1002, not a second one from the daemon.
func TestARefusedFrameGetsOneCloseFrame(t *testing.T) {
	h := enginetest.Start(t, nil)
	conn, r := rawConn(t, h)
	frame := []byte{0xf1, 0x80 | 1, 1, 2, 3, 4, 'x' ^ 1} // RSV1-3 set, masked, one byte
	if _, err := conn.Write(frame); err != nil {
		t.Fatal(err)
	}
	if codes := closeFrames(t, conn, r); len(codes) != 1 || codes[0] != 1002 {
		t.Fatalf("close frames %v, want exactly one 1002", codes)
	}
}
