package wsconn_test

import (
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/wsconn/client"
)

// rawUpgrade opens /api/ws by hand with the extensions header ext, and
// returns the connection and the server's answer.
func rawUpgrade(t *testing.T, h *enginetest.Daemon, ext string) (*bufio.Reader, *http.Response) {
	t.Helper()
	conn, err := net.Dial("tcp", h.Srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "GET /api/ws HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: %s\r\n\r\n",
		h.Srv.Listener.Addr(), ext)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %v %v", resp, err)
	}
	return br, resp
}

// readFrame reads one unmasked server frame: its first byte and payload.
func readFrame(t *testing.T, br *bufio.Reader) (byte, []byte) {
	t.Helper()
	head := make([]byte, 2)
	if _, err := io.ReadFull(br, head); err != nil {
		t.Fatal(err)
	}
	n := uint64(head[1] & 0x7f)
	switch n {
	case 126:
		b := make([]byte, 2)
		io.ReadFull(br, b)
		n = uint64(binary.BigEndian.Uint16(b))
	case 127:
		b := make([]byte, 8)
		io.ReadFull(br, b)
		n = binary.BigEndian.Uint64(b)
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(br, payload); err != nil {
		t.Fatal(err)
	}
	return head[0], payload
}

// A browser's offer (with parameters) is accepted without context takeover;
// a message of 1 KiB or more arrives compressed per RFC 7692 and inflates
// to the very message an uncompressed client gets.
func TestPermessageDeflateOnTheWire(t *testing.T) {
	h := enginetest.Start(t, nil)
	for i := range 20 { // a SYNC_ALL of several KiB
		h.Add(map[string]any{"url": fmt.Sprintf("%s/none/%d", h.Origin.URL, i), "meta": map[string]string{"k": strings.Repeat("v", 100)}})
	}
	h.Call("POST", "/api/downloads/pause-all", nil, nil)
	br, resp := rawUpgrade(t, h, "permessage-deflate; client_max_window_bits")
	ext := resp.Header.Get("Sec-WebSocket-Extensions")
	if !strings.Contains(ext, "permessage-deflate") || !strings.Contains(ext, "server_no_context_takeover") {
		t.Fatalf("extensions answered %q, want permessage-deflate without context takeover", ext)
	}
	first, payload := readFrame(t, br)
	if first != 0xC1 {
		t.Fatalf("first byte %#x, want FIN|RSV1|text (0xc1)", first)
	}
	inflated, err := io.ReadAll(flate.NewReader(io.MultiReader(bytes.NewReader(payload), bytes.NewReader([]byte{0, 0, 0xff, 0xff, 1, 0, 0, 0xff, 0xff}))))
	if err != nil {
		t.Fatalf("inflate: %v", err)
	}
	var sync client.Message
	if err := json.Unmarshal(inflated, &sync); err != nil || sync.Type != "SYNC_ALL" || len(sync.Tasks) != 20 {
		t.Fatalf("inflated %d bytes to %s with %d tasks (%v)", len(inflated), sync.Type, len(sync.Tasks), err)
	}
	if len(payload) >= len(inflated) {
		t.Fatalf("compressed %d bytes to %d", len(inflated), len(payload))
	}
	plain := dial(t, h, client.Options{NoCompression: true})
	m := next(t, plain, 5*time.Second)
	ids := func(m client.Message) map[string]bool {
		out := map[string]bool{}
		for _, raw := range m.Tasks {
			out[fields(t, raw)["id"].(string)] = true
		}
		return out
	}
	if fmt.Sprint(ids(m)) != fmt.Sprint(ids(sync)) {
		t.Fatalf("an uncompressed client's SYNC_ALL holds other tasks than the inflated one")
	}
}

// Without an offer, nothing is compressed.
func TestNoOfferNoCompression(t *testing.T) {
	h := enginetest.Start(t, nil)
	for i := range 20 {
		h.Add(map[string]any{"url": fmt.Sprintf("%s/none/%d", h.Origin.URL, i)})
	}
	br, resp := rawUpgrade(t, h, "x-webkit-deflate-frame")
	if ext := resp.Header.Get("Sec-WebSocket-Extensions"); ext != "" {
		t.Fatalf("extensions answered %q to no permessage-deflate offer", ext)
	}
	if first, _ := readFrame(t, br); first != 0x81 {
		t.Fatalf("first byte %#x, want FIN|text (0x81)", first)
	}
}
