//go:build unix

package webui_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fetchd/fetchd/engine/enginetest"
)

// chromiumPath is where Debian's chromium package puts the browser.
const chromiumPath = "/usr/bin/chromium"

// TestBrowser builds the daemon and runs e2e/page.test.mjs, which drives the
// page in headless Chromium: a download with a moving progress bar, a pause
// and resume from the row's buttons, and a daemon restart the page must
// reconnect through and resynchronise from.
func TestBrowser(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	e2e := filepath.Join(root, "engine", "webui", "e2e")
	node := requireTools(t, e2e)
	declareInputs(t, root, e2e)

	bin := filepath.Join(t.TempDir(), "fetchd")
	build := exec.Command("go", "build", "-o", bin, "./cmd/fetchd")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/fetchd: %v\n%s", err, out)
	}

	origin := enginetest.NewOrigin(t)
	fileURL := origin.Add("/file.bin", &enginetest.File{Data: enginetest.Bytes(3<<20, 1), Rate: 1 << 20})
	slowURL := origin.Add("/slow.bin", &enginetest.File{Data: enginetest.Bytes(8<<20, 2), Rate: 256 << 10})
	screenshot := filepath.Join(os.TempDir(), "fetchd-webui-e2e.png")

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "page.test.mjs")
	cmd.Dir = e2e
	cmd.Env = append(os.Environ(),
		"FETCHD_BIN="+bin,
		"FILE_URL="+fileURL,
		"SLOW_URL="+slowURL,
		"WORK_DIR="+t.TempDir(),
		"SCREENSHOT="+screenshot,
	)
	out := &lineLogger{t: t}
	cmd.Stdout, cmd.Stderr = out, out
	// Node, the daemon it starts and Chromium share a process group, so that
	// nothing outlives the test even if node itself is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err = cmd.Run()
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // strays, if any
	}
	out.flush()
	if err != nil {
		t.Fatalf("e2e/page.test.mjs failed after %s: %v (its output is above)", time.Since(start).Round(time.Millisecond), err)
	}
	t.Logf("browser test passed in %s; screenshot: %s", time.Since(start).Round(time.Millisecond), screenshot)
}

// requireTools fails the test, saying how to install them, unless node,
// Chromium and the script's node_modules are there; it returns node's path.
func requireTools(t *testing.T, e2e string) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not installed; the browser test needs Node.js 20 or later (Debian: apt-get install -y nodejs npm)")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("%s is missing; install it with: apt-get install -y chromium", chromiumPath)
	}
	if _, err := os.Stat(filepath.Join(e2e, "node_modules", "playwright-core")); errors.Is(err, os.ErrNotExist) {
		t.Fatal("playwright-core is not installed for the browser test; from the module root run: npm ci --prefix engine/webui/e2e")
	}
	return node
}

// declareInputs reads the files this test depends on beyond its own binary,
// so that go test's cache notices when they change: the node script and its
// lock file, and the daemon's main package (the rest of the daemon is
// already linked into this test through enginetest).
func declareInputs(t *testing.T, root, e2e string) {
	t.Helper()
	files := []string{filepath.Join(e2e, "page.test.mjs"), filepath.Join(e2e, "package-lock.json")}
	main, err := filepath.Glob(filepath.Join(root, "cmd", "fetchd", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range append(files, main...) {
		if _, err := os.ReadFile(f); err != nil {
			t.Fatalf("read %s: %v", f, err)
		}
	}
}

// lineLogger passes a process's output to t.Log a line at a time.
type lineLogger struct {
	t   *testing.T
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lineLogger) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	for {
		line, err := l.buf.ReadString('\n')
		if err != nil {
			l.buf.WriteString(line) // incomplete: keep it for the next write
			return len(p), nil
		}
		l.t.Log(strings.TrimRight(line, "\n"))
	}
}

func (l *lineLogger) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buf.Len() > 0 {
		l.t.Log(l.buf.String())
		l.buf.Reset()
	}
}
