//go:build unix

package wsconn

import (
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// maxIovecs stays under the kernel's IOV_MAX.
const maxIovecs = 512

// writeNow writes as much of bufs as the socket takes at once, in one
// vectored write, and consumes what was written. A full socket is
// errWouldBlock; nothing ever waits for room.
func writeNow(raw syscall.RawConn, conn net.Conn, bufs *net.Buffers) (int, error) {
	if raw == nil {
		return writeShortDeadline(conn, bufs)
	}
	total := 0
	for len(*bufs) > 0 {
		iovs := [][]byte(*bufs)[:min(len(*bufs), maxIovecs)]
		var n int
		var werr error
		err := raw.Write(func(fd uintptr) bool {
			for {
				n, werr = unix.Writev(int(fd), iovs)
				if werr != unix.EINTR {
					return true // never park on the poller: the pool retries
				}
			}
		})
		if err != nil {
			return total, err
		}
		if werr == unix.EAGAIN {
			return total, errWouldBlock
		}
		if werr != nil {
			return total, werr
		}
		consume(bufs, n)
		total += n
		if n < lengthOf(iovs) {
			return total, errWouldBlock
		}
	}
	return total, nil
}

func lengthOf(iovs [][]byte) (n int) {
	for _, b := range iovs {
		n += len(b)
	}
	return n
}
