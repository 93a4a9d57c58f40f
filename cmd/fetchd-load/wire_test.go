package main

import (
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"io"
	"net"
	"strings"
	"testing"
)

// frame encodes one unmasked server frame.
func frame(first byte, payload []byte) []byte {
	b := []byte{first}
	switch n := len(payload); {
	case n < 126:
		b = append(b, byte(n))
	case n < 1<<16:
		b = append(b, 126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, 127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	return append(b, payload...)
}

// deflated compresses msg as permessage-deflate does, without the tail.
func deflated(t *testing.T, msg []byte) []byte {
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.BestSpeed)
	fw.Write(msg)
	if err := fw.Flush(); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{0, 0, 0xff, 0xff})
}

// A server may send a message in fragments, compressed, with a ping between
// them (gorilla fragments at its write buffer size): the harness reads it
// whole, whether it wants the whole message or only its head.
func TestFragmentedMessagesAreReadWhole(t *testing.T) {
	msg := []byte(`{"type":"TASK_BATCH_UPDATE","ts":1795396457767,"tasks":[` + strings.Repeat(`{"id":"x","downloaded":123456},`, 600) + `{}]}`)
	z := deflated(t, msg)
	var stream []byte
	stream = append(stream, frame(0x01, msg[:5000])...)   // text, not final
	stream = append(stream, frame(0x89, []byte("hi"))...) // ping between fragments
	stream = append(stream, frame(0x00, msg[5000:10000])...)
	stream = append(stream, frame(0x80, msg[10000:])...)  // final continuation
	stream = append(stream, frame(0x41, z[:len(z)/2])...) // compressed text, not final
	stream = append(stream, frame(0x80, z[len(z)/2:])...)
	stream = append(stream, frame(0x41, z[:len(z)/3])...) // the same again, read for its head only
	stream = append(stream, frame(0x00, z[len(z)/3:2*len(z)/3])...)
	stream = append(stream, frame(0x80, z[2*len(z)/3:])...)
	stream = append(stream, frame(0x88, []byte{0x03, 0xe8})...) // close 1000

	server, client := net.Pipe()
	defer server.Close()
	pongs := make(chan []byte, 4)
	go func() {
		go server.Write(stream)
		r := bufio.NewReader(server) // the client's pong and close, masked
		for {
			var h [6]byte
			if _, err := io.ReadFull(r, h[:]); err != nil {
				return
			}
			p := make([]byte, h[1]&0x7f)
			io.ReadFull(r, p)
			for i := range p {
				p[i] ^= h[2+i%4]
			}
			if h[0]&0x0f == 0xA {
				pongs <- p
			}
		}
	}()
	w := &wire{conn: client, br: bufio.NewReader(client), deflate: true}
	got, n, err := w.next(true)
	if err != nil || !bytes.Equal(got, msg) || n != len(msg) {
		t.Fatalf("fragmented text: %d bytes (%d on the wire), err %v; want the %d-byte message", len(got), n, err, len(msg))
	}
	if p := <-pongs; string(p) != "hi" {
		t.Errorf("pong %q, want the ping's payload", p)
	}
	got, n, err = w.next(true)
	if err != nil || !bytes.Equal(got, msg) || n != len(z) {
		t.Fatalf("fragmented compressed: %d bytes (%d on the wire), err %v; want %d (%d)", len(got), n, err, len(msg), len(z))
	}
	got, _, err = w.next(false)
	if err != nil || len(got) < headBytes || !bytes.HasPrefix(msg, got) {
		t.Fatalf("head of a fragmented compressed message: %q, err %v", got, err)
	}
	if _, _, err := w.next(false); closeCodeOf(err) != 1000 {
		t.Fatalf("after the messages: %v, want the close 1000", err)
	}
}
