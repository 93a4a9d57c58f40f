//go:build linux || darwin || freebsd

package transfer

import (
	"math"
	"syscall"
)

// freeSpace is the room left in dir's file system for an unprivileged writer.
func freeSpace(dir string) (int64, bool) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, false
	}
	free := uint64(st.Bavail) * uint64(st.Bsize)
	return int64(min(free, math.MaxInt64)), true
}
