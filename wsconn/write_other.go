package wsconn

import (
	"errors"
	"net"
	"os"
	"time"
)

// writeShortDeadline is the portable writer: a write bounded by a deadline
// short enough that a full socket costs the pool next to nothing.
func writeShortDeadline(conn net.Conn, bufs *net.Buffers) (int, error) {
	conn.SetWriteDeadline(time.Now().Add(2 * time.Millisecond))
	n, err := bufs.WriteTo(conn)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return int(n), errWouldBlock
	}
	return int(n), err
}

// consume drops the first n bytes of bufs.
func consume(bufs *net.Buffers, n int) {
	for n > 0 && len(*bufs) > 0 {
		if b := (*bufs)[0]; len(b) <= n {
			n -= len(b)
			(*bufs)[0] = nil
			*bufs = (*bufs)[1:]
		} else {
			(*bufs)[0] = b[n:]
			n = 0
		}
	}
}
