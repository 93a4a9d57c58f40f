//go:build linux

package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/engine/task"
)

// openPTY opens a pseudo-terminal of 100×20: the side a program writes to
// and reads keys from, and the side the test drives.
func openPTY(t *testing.T) (tty, pty *os.File) {
	t.Helper()
	pty, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	rc, err := pty.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	cerr := rc.Control(func(fd uintptr) {
		if err = unix.IoctlSetPointerInt(int(fd), unix.TIOCSPTLCK, 0); err == nil {
			n, err = unix.IoctlGetInt(int(fd), unix.TIOCGPTN)
		}
	})
	if cerr != nil || err != nil {
		t.Fatalf("unlock the pty: %v %v", cerr, err)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	rc, _ = tty.SyscallConn()
	rc.Control(func(fd uintptr) {
		err = unix.IoctlSetWinsize(int(fd), unix.TIOCSWINSZ, &unix.Winsize{Row: 20, Col: 100})
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tty.Close(); pty.Close() })
	return tty, pty
}

func lflag(t *testing.T, f *os.File) uint32 {
	t.Helper()
	rc, _ := f.SyscallConn()
	var tio *unix.Termios
	var err error
	rc.Control(func(fd uintptr) { tio, err = unix.IoctlGetTermios(int(fd), unix.TCGETS) })
	if err != nil {
		t.Fatal(err)
	}
	return tio.Lflag
}

func TestClientWatchKeysInATerminal(t *testing.T) {
	t.Setenv("TERM", "xterm")
	h := enginetest.Start(t, nil)
	gate := make(chan struct{})
	defer close(gate)
	first := h.Add(map[string]any{"url": h.Origin.Add("/first.bin", &enginetest.File{Data: enginetest.Bytes(4096, 1), Gate: gate})})
	h.WaitState(first.ID, task.Downloading, 10*time.Second)
	h.Call("POST", "/api/downloads/"+first.ID+"/pause", nil, nil)
	second := h.Add(map[string]any{"url": h.Origin.Add("/second.bin", &enginetest.File{Data: enginetest.Bytes(4096, 2), Gate: gate})})
	h.WaitState(second.ID, task.Downloading, 10*time.Second)

	tty, pty := openPTY(t)
	old := stdin
	stdin = tty
	defer func() { stdin = old }()
	before := lflag(t, tty)

	var screen enginetest.Buffer
	go io.Copy(&screen, pty)
	var errOut enginetest.Buffer
	exited := make(chan int, 1)
	go func() {
		_, code := runClient(context.Background(), []string{"watch", "--server", h.Srv.URL}, tty, &errOut)
		exited <- code
	}()
	// The running download is listed first and selected.
	enginetest.Eventually(t, 10*time.Second, "the frame with the running download selected", func() bool {
		return strings.Contains(screen.String(), "\x1b[7m"+second.ID[:8]) && strings.Contains(screen.String(), keyHint)
	})
	if lflag(t, tty)&(unix.ICANON|unix.ECHO) != 0 {
		t.Fatal("the terminal still buffers lines or echoes")
	}
	key := func(s string) {
		if _, err := pty.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	key("p")
	h.WaitState(second.ID, task.Paused, 10*time.Second)
	// Both paused: creation order, the selection still on the one paused.
	enginetest.Eventually(t, 10*time.Second, "the frame to show both paused", func() bool {
		f := lastFrame(screen.String())
		i, j := strings.Index(f, first.ID[:8]), strings.Index(f, "\x1b[7m"+second.ID[:8])
		return i >= 0 && j > i
	})
	key("\x1b[A") // up, to the first
	key("r")
	h.WaitState(first.ID, task.Downloading, 10*time.Second)
	if st := h.Get(second.ID).State; st != task.Paused {
		t.Fatalf("the unselected download is %s", st)
	}
	key("q")
	select {
	case code := <-exited:
		if code != 0 {
			t.Fatalf("watch exit %d: %s", code, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("q did not end watch")
	}
	if lflag(t, tty) != before {
		t.Fatal("watch left the terminal in its key mode")
	}
	enginetest.Eventually(t, 10*time.Second, "the cursor to be shown again", func() bool {
		return strings.HasSuffix(screen.String(), "\x1b[?25h")
	})
}

// lastFrame is the last complete frame drawn on screen (each ends with ESC [J).
func lastFrame(screen string) string {
	frames := strings.Split(screen, "\x1b[J")
	if len(frames) < 2 {
		return ""
	}
	return frames[len(frames)-2]
}
