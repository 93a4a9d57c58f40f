package engine_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/engine/task"
)

// settled waits until the task is COMPLETED or FAILED and returns it.
func settled(t *testing.T, h *enginetest.Daemon, id string, within time.Duration) task.Task {
	t.Helper()
	var got task.Task
	enginetest.Eventually(t, within, "the task to complete or fail", func() bool {
		got = h.Get(id)
		return got.State == task.Completed || got.State == task.Failed
	})
	return got
}

// A segmented download whose checksum failed removed its part file; after
// the origin is fixed, a retry downloads it again instead of failing on the
// missing part its checkpoints name.
func TestRetryAfterASegmentedChecksumMismatch(t *testing.T) {
	h := enginetest.Start(t, nil)
	v1, v2 := enginetest.Bytes(8*mib, 90), enginetest.Bytes(8*mib, 91)
	url := h.Origin.Add("/sum.bin", &enginetest.File{Data: v1, ETag: `"v1"`})
	tk := h.Add(map[string]any{"url": url, "connections": 4, "checksum": sha(v2)})
	h.WaitState(tk.ID, task.Failed, 30*time.Second)
	h.Origin.Replace("/sum.bin", v2, `"v2"`, "")
	h.Action(tk.ID, "retry")
	if got := settled(t, h, tk.ID, 30*time.Second); got.State != task.Completed {
		t.Fatalf("retry: %s %s", got.State, enginetest.Deref(got.ErrorMessage))
	}
	fileIs(t, h, "sum.bin", v2)
}

// A part file gone while paused (a user cleaning up) is downloaded again.
func TestSegmentedPartGoneWhilePausedStartsOver(t *testing.T) {
	h := enginetest.Start(t, nil)
	data := enginetest.Bytes(8*mib, 92)
	// Slow enough that the pause lands long before the last byte, however
	// late a loaded machine observes the first megabyte.
	url := h.Origin.Add("/gone.bin", &enginetest.File{Data: data, Rate: 256 << 10, ETag: `"g"`})
	tk := h.Add(map[string]any{"url": url, "connections": 4})
	enginetest.Eventually(t, 10*time.Second, "bytes", func() bool { return h.Get(tk.ID).Downloaded > mib })
	if code, _ := h.Action(tk.ID, "pause"); code != 200 {
		t.Fatalf("pause: %d", code)
	}
	h.WaitState(tk.ID, task.Paused, 5*time.Second)
	os.Remove(filepath.Join(h.Cfg.DownloadDir, "gone.bin.part"))
	h.Origin.SetRate("/gone.bin", 0)
	h.Action(tk.ID, "resume")
	if got := settled(t, h, tk.ID, 20*time.Second); got.State != task.Completed {
		t.Fatalf("resume: %s %s", got.State, enginetest.Deref(got.ErrorMessage))
	}
	fileIs(t, h, "gone.bin", data)
}

// A resume answered with ranges whose total is "*" does not end the file at
// the first range's last byte: the size the origin announced first holds.
func TestUnknownTotalInARangeKeepsTheKnownSize(t *testing.T) {
	data := enginetest.Bytes(1<<20, 93)
	var first atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"x"`)
		rg := r.Header.Get("Range")
		if rg == "" {
			w.Header().Set("Content-Length", strconv.Itoa(len(data)))
			w.WriteHeader(200)
			if !first.Swap(true) {
				w.Write(data[:len(data)/2])
				w.(http.Flusher).Flush()
				panic(http.ErrAbortHandler)
			}
			w.Write(data)
			return
		}
		from, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(rg, "bytes="), "-"), 10, 64)
		if from >= int64(len(data)) {
			w.Header().Set("Content-Range", "bytes */*")
			w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
			return
		}
		end := min(from+999, int64(len(data))-1)
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/*", from, end))
		w.Header().Set("Content-Length", strconv.FormatInt(end-from+1, 10))
		w.WriteHeader(http.StatusPartialContent)
		w.Write(data[from : end+1])
	}))
	defer srv.Close()
	h := enginetest.Start(t, nil)
	tk := h.Add(map[string]any{"url": srv.URL + "/star.bin", "connections": 1})
	if got := settled(t, h, tk.ID, 30*time.Second); got.State != task.Completed {
		t.Fatalf("%s %s", got.State, enginetest.Deref(got.ErrorMessage))
	}
	fileIs(t, h, "star.bin", data)
}

// A file that shrank on an origin without validators: the resume's 416 names
// another size than the first answer did, so the part is not the file.
func TestA416NamingAnotherSizeIsNotCompletion(t *testing.T) {
	v1 := enginetest.Bytes(2<<20, 94)
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Content-Length", strconv.Itoa(len(v1)))
			w.WriteHeader(http.StatusOK)
			w.Write(v1[:1<<20])
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		}
		w.Header().Set("Content-Range", "bytes */1048576") // 1 MiB now
		w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
	}))
	defer srv.Close()
	h := enginetest.Start(t, nil)
	tk := h.Add(map[string]any{"url": srv.URL + "/shrunk.bin", "connections": 1})
	if got := settled(t, h, tk.ID, 30*time.Second); got.State == task.Completed {
		t.Fatalf("COMPLETED (size %d) from a 416 naming a size other than the %d first announced", got.Size, len(v1))
	}
}

// An empty file downloads with several connections allowed: "bytes=0-" of
// nothing is a 416 of "*/0".
func TestEmptyFileWithSeveralConnections(t *testing.T) {
	h := enginetest.Start(t, nil)
	url := h.Origin.Add("/empty.bin", &enginetest.File{Data: []byte{}})
	tk := h.Add(map[string]any{"url": url, "connections": 4})
	if got := settled(t, h, tk.ID, 10*time.Second); got.State != task.Completed {
		t.Fatalf("empty file: %s %s", got.State, enginetest.Deref(got.ErrorMessage))
	}
	fileIs(t, h, "empty.bin", []byte{})
}
