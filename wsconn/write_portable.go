//go:build !unix

package wsconn

import (
	"net"
	"syscall"
)

func writeNow(_ syscall.RawConn, conn net.Conn, bufs *net.Buffers) (int, error) {
	return writeShortDeadline(conn, bufs)
}
