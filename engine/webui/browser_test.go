//go:build unix

package webui_test

import (
	"bytes"
	"context"
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

// TestBrowser builds the daemon and runs e2e/page.test.mjs, which drives the
// page in headless Chromium: a download with a moving progress bar, a pause
// and resume from the row's buttons, a network blink the page must resume
// from without a second SYNC_ALL, a daemon restart the page must reconnect
// through and resynchronise from, and the toolbar, details,
// settings, selection and saving a file, by keyboard, at 375 px and dark.
func TestBrowser(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	e2e := filepath.Join(root, "engine", "webui", "e2e")
	// What the script needs is installed here if missing: Node.js, its
	// packages, and a Chromium (Debian's, unless one is on PATH).
	node := enginetest.Node(t)
	enginetest.NPMPackages(t, e2e)
	chromium := enginetest.Chromium(t)
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
	reportURL := origin.Add("/files/report.pdf", &enginetest.File{Data: enginetest.Bytes(200<<10, 3)})
	slow2URL := origin.Add("/slow-2.bin", &enginetest.File{Data: enginetest.Bytes(8<<20, 4), Rate: 256 << 10})
	screenshot := filepath.Join(os.TempDir(), "fetchd-webui-e2e.png")
	// FETCHD_SCREENSHOTS=docs/screenshots (from the repository's root)
	// refreshes the README's pictures.
	shots := os.Getenv("FETCHD_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	} else if !filepath.IsAbs(shots) {
		shots = filepath.Join(root, shots)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "page.test.mjs")
	cmd.Dir = e2e
	cmd.Env = append(os.Environ(),
		"FETCHD_BIN="+bin,
		"CHROMIUM="+chromium,
		"FILE_URL="+fileURL,
		"SLOW_URL="+slowURL,
		"REPORT_URL="+reportURL,
		"SLOW2_URL="+slow2URL,
		"SCREENSHOT_DIR="+shots,
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
