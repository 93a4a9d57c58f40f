package engine_test

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/engine/task"
)

// A .tar.gz served with Content-Encoding: gzip is saved as sent, not decoded.
func TestGzipEncodedBodyIsSavedAsSent(t *testing.T) {
	h := enginetest.Start(t, nil)
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write(enginetest.Bytes(64<<10, 20))
	w.Close()
	data := gz.Bytes()
	url := h.Origin.Add("/archive.tar.gz", &enginetest.File{Data: data, Gzip: true})
	tk := h.Add(map[string]any{"url": url, "checksum": sha(data)})
	h.WaitState(tk.ID, task.Completed, 10*time.Second)
	fileIs(t, h, "archive.tar.gz", data)
	if reqs := h.Origin.Requests("/archive.tar.gz"); reqs[0].AcceptEncoding != "identity" {
		t.Fatalf("Accept-Encoding %q, want identity", reqs[0].AcceptEncoding)
	}
}

// pauseMidway pauses a task once some of it is on disk.
func pauseMidway(t *testing.T, h *enginetest.Daemon, id string) {
	t.Helper()
	enginetest.Eventually(t, 10*time.Second, "bytes on disk", func() bool { return h.Get(id).Downloaded > 128<<10 })
	if code, body := h.Action(id, "pause"); code != http.StatusOK {
		t.Fatalf("pause: %d %v", code, body)
	}
}

// A file replaced on the origin by another of the same size while its task
// was paused, across a restart of the daemon, is downloaded again whole.
func TestFileChangedWhilePausedRestartsFromZero(t *testing.T) {
	h := enginetest.Start(t, nil)
	v1, v2 := enginetest.Bytes(1<<20, 21), enginetest.Bytes(1<<20, 22)
	url := h.Origin.Add("/changing.bin", &enginetest.File{Data: v1, Rate: 1 << 20, ETag: `"v1"`})
	tk := h.Add(map[string]any{"url": url})
	pauseMidway(t, h, tk.ID)
	h.Reopen() // the validators must come back from the store
	h.Origin.Replace("/changing.bin", v2, `"v2"`, "")
	h.Action(tk.ID, "resume")
	h.WaitState(tk.ID, task.Completed, 20*time.Second)
	fileIs(t, h, "changing.bin", v2)
	reqs := h.Origin.Requests("/changing.bin")
	if last := reqs[len(reqs)-1]; last.Range == "" || last.IfRange != `"v1"` {
		t.Fatalf(`the resume sent Range %q If-Range %q; want a range checked against "v1"`, last.Range, last.IfRange)
	}
}

// An origin that answers the range of a new version anyway (it ignores
// If-Range) is caught by the changed ETag.
func TestChangedETagInPartialAnswerRestartsFromZero(t *testing.T) {
	h := enginetest.Start(t, nil)
	v1, v2 := enginetest.Bytes(1<<20, 23), enginetest.Bytes(1<<20, 24)
	url := h.Origin.Add("/sloppy.bin", &enginetest.File{Data: v1, Rate: 1 << 20, ETag: `"v1"`, IgnoreIfRange: true})
	tk := h.Add(map[string]any{"url": url})
	pauseMidway(t, h, tk.ID)
	resumeReplaced(t, h, tk.ID, "/sloppy.bin", v2, `"v2"`)
}

// resumeReplaced puts v2 at path on the origin, resumes the paused task and
// checks it ends holding v2 whole.
func resumeReplaced(t *testing.T, h *enginetest.Daemon, id, path string, v2 []byte, etag string) {
	t.Helper()
	h.Origin.Replace(path, v2, etag, "")
	h.Action(id, "resume")
	h.WaitState(id, task.Completed, 30*time.Second)
	fileIs(t, h, strings.TrimPrefix(path, "/"), v2)
}

// A weak ETag cannot be used in If-Range: Last-Modified is sent instead, and
// its change restarts the file.
func TestWeakETagFallsBackToLastModified(t *testing.T) {
	h := enginetest.Start(t, nil)
	v1, v2 := enginetest.Bytes(1<<20, 25), enginetest.Bytes(1<<20, 26)
	const mod1, mod2 = "Mon, 01 Jan 2024 00:00:00 GMT", "Tue, 02 Jan 2024 00:00:00 GMT"
	url := h.Origin.Add("/weak.bin", &enginetest.File{Data: v1, Rate: 1 << 20, ETag: `W/"v1"`, LastModified: mod1})
	tk := h.Add(map[string]any{"url": url})
	pauseMidway(t, h, tk.ID)
	h.Origin.Replace("/weak.bin", v2, `W/"v2"`, mod2)
	h.Action(tk.ID, "resume")
	h.WaitState(tk.ID, task.Completed, 20*time.Second)
	fileIs(t, h, "weak.bin", v2)
	reqs := h.Origin.Requests("/weak.bin")
	if last := reqs[len(reqs)-1]; last.IfRange != mod1 {
		t.Fatalf("If-Range %q, want the Last-Modified %q", last.IfRange, mod1)
	}
}

// A 206 whose body runs past its Content-Range fails, and what it sent past
// the range is not kept: a file is never assembled from it.
func TestBodyLongerThanContentRangeFails(t *testing.T) {
	for name, f := range map[string]*enginetest.File{
		"Content-Length past the range": {Data: enginetest.Bytes(400_000, 27), MaxRange: 100_000, Extra: 1000},
		"chunked body past the total":   {Data: enginetest.Bytes(100_000, 28), MaxRange: 100_000, Extra: 1000, NoLength: true},
	} {
		t.Run(name, func(t *testing.T) {
			h := enginetest.Start(t, nil)
			h.Call("PUT", "/api/settings", map[string]any{"max_retries": 1}, nil)
			tk := h.Add(map[string]any{"url": h.Origin.Add("/long.bin", f)})
			var got task.Task
			enginetest.Eventually(t, 10*time.Second, "the task to end", func() bool {
				got = h.Get(tk.ID)
				return got.State == task.Failed || got.State == task.Completed
			})
			part, err := os.Stat(filepath.Join(h.Cfg.DownloadDir, "long.bin.part"))
			if got.Downloaded > int64(len(f.Data)) || err == nil && part.Size() > int64(len(f.Data)) {
				t.Fatalf("downloaded %d of a %d-byte file: the bytes past the range were kept", got.Downloaded, len(f.Data))
			}
			if got.State != task.Failed || !strings.Contains(enginetest.Deref(got.ErrorMessage), "announced") {
				t.Fatalf("task %s, error %q; want it failed naming what the origin announced", got.State, enginetest.Deref(got.ErrorMessage))
			}
			if enginetest.Exists(filepath.Join(h.Cfg.DownloadDir, "long.bin")) {
				t.Fatal("a file was assembled")
			}
		})
	}
}

// failsAtOnce checks that a task failed on its first attempt with an error
// that names why.
func failsAtOnce(t *testing.T, h *enginetest.Daemon, id, why string) {
	t.Helper()
	failed := h.WaitState(id, task.Failed, 10*time.Second)
	if failed.RetryCount != 0 || !strings.Contains(enginetest.Deref(failed.ErrorMessage), why) {
		t.Fatalf("retry_count %d, error %q; want it failed at once naming %q", failed.RetryCount, enginetest.Deref(failed.ErrorMessage), why)
	}
}

// A certificate the client does not trust is not a passing network fault.
func TestUntrustedCertificateFailsAtOnce(t *testing.T) {
	h := enginetest.Start(t, nil)
	origin := enginetest.NewTLSOrigin(t)
	tk := h.Add(map[string]any{"url": origin.Add("/secure.bin", &enginetest.File{Data: []byte("x")})})
	failsAtOnce(t, h, tk.ID, "certificate")
}

// More than 10 redirects is a loop, and retrying it loops again.
func TestRedirectLoopFailsAtOnce(t *testing.T) {
	h := enginetest.Start(t, nil)
	tk := h.Add(map[string]any{"url": h.Origin.Add("/loop", &enginetest.File{Redirect: "/loop"})})
	failsAtOnce(t, h, tk.ID, "redirect")
	if n := len(h.Origin.Requests("/loop")); n != 11 {
		t.Fatalf("origin saw %d requests; want the first and 10 redirects followed", n)
	}
}

// A file larger than the free space fails before a byte is written, with a
// message that says so.
func TestNotEnoughDiskSpaceFailsAtOnce(t *testing.T) {
	h := enginetest.Start(t, nil)
	// One connection: the origin announces the size of a plain 200 only.
	tk := h.Add(map[string]any{"url": h.Origin.Add("/huge.iso", &enginetest.File{Data: []byte("x"), Announce: 1 << 60}), "connections": 1})
	failsAtOnce(t, h, tk.ID, "disk space")
}
