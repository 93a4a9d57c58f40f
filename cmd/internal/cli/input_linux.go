package cli

import (
	"cmp"
	"os"

	"golang.org/x/sys/unix"
)

// keyInput turns off line buffering and echo on the terminal f so that each
// key arrives as it is pressed; Ctrl-C still interrupts. restore undoes it.
// It goes through SyscallConn so that f keeps its non-blocking mode and a
// read deadline can end the reader.
func keyInput(f *os.File) (restore func(), err error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	var old *unix.Termios
	cerr := rc.Control(func(fd uintptr) {
		if old, err = unix.IoctlGetTermios(int(fd), unix.TCGETS); err != nil {
			return
		}
		raw := *old
		raw.Lflag &^= unix.ICANON | unix.ECHO
		raw.Cc[unix.VMIN], raw.Cc[unix.VTIME] = 1, 0
		err = unix.IoctlSetTermios(int(fd), unix.TCSETS, &raw)
	})
	if err = cmp.Or(cerr, err); err != nil {
		return nil, err
	}
	return func() {
		rc.Control(func(fd uintptr) { unix.IoctlSetTermios(int(fd), unix.TCSETS, old) })
	}, nil
}
