package engine_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fetchd/fetchd/engine"
	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/engine/task"
)

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

// fileIs checks the finished file holds exactly want and no part file is left.
func fileIs(t *testing.T, h *enginetest.Daemon, name string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(filepath.Join(h.Cfg.DownloadDir, name))
	if err != nil {
		t.Fatalf("read downloaded file: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: got %d bytes (%s), want %d bytes (%s)", name, len(got), sha(got), len(want), sha(want))
	}
	if _, err := os.Stat(filepath.Join(h.Cfg.DownloadDir, task.PartName(name))); !os.IsNotExist(err) {
		t.Fatalf("part file of %s is still there (err %v)", name, err)
	}
}

func TestResumeAfterPauseUsesRange(t *testing.T) {
	h := enginetest.Start(t, nil)
	data := enginetest.Bytes(2<<20, 1)
	url := h.Origin.Add("/big.bin", &enginetest.File{Data: data, Rate: 1 << 20})
	tk := h.Add(map[string]any{"url": url, "checksum": sha(data)})

	enginetest.Eventually(t, 10*time.Second, "bytes on disk", func() bool { return h.Get(tk.ID).Downloaded > 128<<10 })
	if code, body := h.Action(tk.ID, "pause"); code != http.StatusOK || body["state"] != "PAUSED" {
		t.Fatalf("pause: %d %v", code, body)
	}
	// The origin is throttled, so much of the file is still missing when paused.
	if code, body := h.Action(tk.ID, "resume"); code != http.StatusOK || body["state"] != "QUEUED" {
		t.Fatalf("resume: %d %v", code, body)
	}
	done := h.WaitState(tk.ID, task.Completed, 20*time.Second)

	reqs := h.Origin.Requests("/big.bin")
	if len(reqs) < 2 || reqs[len(reqs)-1].Start <= 0 {
		t.Fatalf("resume did not ask for a range: %+v", reqs)
	}
	if done.Filename != "big.bin" || done.Size != int64(len(data)) || done.Downloaded != done.Size || done.Progress != 100 {
		t.Fatalf("completed task: %+v", done)
	}
	fileIs(t, h, "big.bin", data)
	if sent := h.Origin.BytesSent(); sent > int64(len(data))+256<<10 {
		t.Fatalf("origin sent %d bytes for a %d-byte file: the resume re-downloaded", sent, len(data))
	}
}

func TestResumeAfterRestart(t *testing.T) {
	h := enginetest.Start(t, nil)
	data := enginetest.Bytes(3<<20, 2)
	const rate = 1 << 20
	url := h.Origin.Add("/restart.bin", &enginetest.File{Data: data, Rate: rate})
	tk := h.Add(map[string]any{"url": url, "checksum": sha(data)})
	enginetest.Eventually(t, 10*time.Second, "a checkpoint with progress", func() bool { return h.Get(tk.ID).Downloaded > 512<<10 })

	h.Reopen()
	if st := h.Get(tk.ID).State; st != task.Queued && st != task.Starting && st != task.Downloading {
		t.Fatalf("after restart the task is %s, want it queued or running again", st)
	}
	h.WaitState(tk.ID, task.Completed, 20*time.Second)
	fileIs(t, h, "restart.bin", data)

	reqs := h.Origin.Requests("/restart.bin")
	if last := reqs[len(reqs)-1]; last.Start <= 0 {
		t.Fatalf("the restarted download began at byte %d; want it to resume", last.Start)
	}
	// One checkpoint's worth: the bytes the origin sends in one interval.
	checkpointWorth := int64(rate) * int64(h.Cfg.Checkpoint) / int64(time.Second)
	if extra := h.Origin.BytesSent() - int64(len(data)); extra > checkpointWorth+256<<10 {
		t.Fatalf("origin sent %d bytes more than the file after a restart", extra)
	}
}

func TestServerIgnoringRangeRestartsFromZero(t *testing.T) {
	h := enginetest.Start(t, nil)
	data := enginetest.Bytes(1<<20, 3)
	url := h.Origin.Add("/norange.bin", &enginetest.File{Data: data, Rate: 1 << 20, IgnoreRange: true})
	tk := h.Add(map[string]any{"url": url})
	enginetest.Eventually(t, 10*time.Second, "bytes on disk", func() bool { return h.Get(tk.ID).Downloaded > 64<<10 })
	h.Action(tk.ID, "pause")
	h.Action(tk.ID, "resume")
	h.WaitState(tk.ID, task.Completed, 20*time.Second)
	fileIs(t, h, "norange.bin", data)
	if reqs := h.Origin.Requests("/norange.bin"); len(reqs) < 2 || reqs[1].Range == "" {
		t.Fatalf("want a second request asking for a range: %+v", reqs)
	}
}

func TestRangeNotSatisfiableOnCompletePartIsDone(t *testing.T) {
	h := enginetest.Start(t, nil)
	data := enginetest.Bytes(100<<10, 4)
	url := h.Origin.Add("/whole.bin", &enginetest.File{Data: data})
	// A part file that already holds every byte, as a crash right before the
	// rename would leave it.
	if err := os.WriteFile(filepath.Join(h.Cfg.DownloadDir, "whole.bin.part"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	tk := h.Add(map[string]any{"url": url, "filename": "whole.bin"})
	// the name is taken by the part file, so the task gets another one
	if tk.Filename != "whole (1).bin" {
		t.Fatalf("filename %q, want the collision suffix", tk.Filename)
	}
	h.WaitState(tk.ID, task.Completed, 10*time.Second)
	fileIs(t, h, tk.Filename, data)
}

func TestRetriesServerErrorsThenSucceeds(t *testing.T) {
	h := enginetest.Start(t, nil)
	data := enginetest.Bytes(64<<10, 5)
	url := h.Origin.Add("/flaky.bin", &enginetest.File{Data: data, Faults: []int{503, 503}, RetryAfter: "1"})
	tk := h.Add(map[string]any{"url": url})

	waiting := h.WaitState(tk.ID, task.Waiting, 5*time.Second)
	if waiting.WaitUntil == nil || waiting.RetryCount < 1 || !strings.Contains(enginetest.Deref(waiting.ErrorMessage), "503") {
		t.Fatalf("waiting task: %+v (error %q)", waiting, enginetest.Deref(waiting.ErrorMessage))
	}
	if d := time.Until(*waiting.WaitUntil); d > 1500*time.Millisecond {
		t.Fatalf("wait_until is %s away; Retry-After said 1 s", d)
	}
	done := h.WaitState(tk.ID, task.Completed, 10*time.Second)
	if done.RetryCount != 2 {
		t.Fatalf("retry_count %d, want 2", done.RetryCount)
	}
	if n := len(h.Origin.Requests("/flaky.bin")); n != 3 {
		t.Fatalf("origin saw %d requests, want 3", n)
	}
	fileIs(t, h, "flaky.bin", data)
}

func TestRetriesAreLimited(t *testing.T) {
	h := enginetest.Start(t, nil)
	h.Call("PUT", "/api/settings", map[string]any{"max_retries": 2}, nil)
	url := h.Origin.Add("/down.bin", &enginetest.File{Data: []byte("x"), Faults: []int{500, 502, 503, 504}})
	tk := h.Add(map[string]any{"url": url})
	failed := h.WaitState(tk.ID, task.Failed, 10*time.Second)
	if failed.RetryCount != 2 || !strings.Contains(enginetest.Deref(failed.ErrorMessage), "503") {
		t.Fatalf("failed task: retry_count %d, error %q", failed.RetryCount, enginetest.Deref(failed.ErrorMessage))
	}
	if n := len(h.Origin.Requests("/down.bin")); n != 3 {
		t.Fatalf("origin saw %d requests, want 1 + 2 retries", n)
	}
}

func TestNotFoundFailsAtOnce(t *testing.T) {
	h := enginetest.Start(t, nil)
	tk := h.Add(map[string]any{"url": h.Origin.URL + "/missing.bin"})
	failed := h.WaitState(tk.ID, task.Failed, 5*time.Second)
	if failed.RetryCount != 0 || !strings.Contains(enginetest.Deref(failed.ErrorMessage), "404") {
		t.Fatalf("failed task: retry_count %d, error %q", failed.RetryCount, enginetest.Deref(failed.ErrorMessage))
	}
	if n := len(h.Origin.Requests("/missing.bin")); n != 1 {
		t.Fatalf("origin saw %d requests for a 404, want 1", n)
	}
}

func TestChecksumMismatchFails(t *testing.T) {
	h := enginetest.Start(t, nil)
	data := enginetest.Bytes(32<<10, 6)
	url := h.Origin.Add("/bad.bin", &enginetest.File{Data: data})
	tk := h.Add(map[string]any{"url": url, "checksum": sha([]byte("something else"))})
	failed := h.WaitState(tk.ID, task.Failed, 5*time.Second)
	if !strings.Contains(enginetest.Deref(failed.ErrorMessage), "checksum mismatch") {
		t.Fatalf("error %q, want a checksum mismatch", enginetest.Deref(failed.ErrorMessage))
	}
	for _, name := range []string{"bad.bin", "bad.bin.part"} {
		if _, err := os.Stat(filepath.Join(h.Cfg.DownloadDir, name)); !os.IsNotExist(err) {
			t.Fatalf("%s exists after a checksum mismatch", name)
		}
	}
}

func TestFilenameFromContentDispositionAndCollisions(t *testing.T) {
	h := enginetest.Start(t, nil)
	data := []byte("hello")
	url := h.Origin.Add("/dl", &enginetest.File{Data: data, ContentDisposition: `attachment; filename="../../etc/report final.txt"`})
	first := h.Add(map[string]any{"url": url})
	h.WaitState(first.ID, task.Completed, 5*time.Second)
	second := h.Add(map[string]any{"url": url, "force": true})
	h.WaitState(second.ID, task.Completed, 5*time.Second)

	if got := h.Get(first.ID).Filename; got != "report final.txt" {
		t.Fatalf("first filename %q", got)
	}
	if got := h.Get(second.ID).Filename; got != "report final (1).txt" {
		t.Fatalf("second filename %q", got)
	}
	fileIs(t, h, "report final.txt", data)
	fileIs(t, h, "report final (1).txt", data)

	h.Origin.Add("/files/plain name.iso", &enginetest.File{Data: data})
	fromPath := h.Add(map[string]any{"url": h.Origin.URL + "/files/plain%20name.iso"})
	if got := h.WaitState(fromPath.ID, task.Completed, 5*time.Second).Filename; got != "plain name.iso" {
		t.Fatalf("filename from the URL path: %q", got)
	}
}

func TestDestinationSubfolder(t *testing.T) {
	h := enginetest.Start(t, nil)
	data := []byte("in a folder")
	tk := h.Add(map[string]any{"url": h.Origin.Add("/f.txt", &enginetest.File{Data: data}), "destination": "tv/show"})
	h.WaitState(tk.ID, task.Completed, 5*time.Second)
	fileIs(t, h, "tv/show/f.txt", data)
}

func TestStalledOriginIsRetriedAndResumed(t *testing.T) {
	h := enginetest.Start(t, func(c *engine.Config) {
		c.StallTimeout = 300 * time.Millisecond
		c.RetryBase = time.Second // WAITING lasts long enough to be seen
	})
	data := enginetest.Bytes(256<<10, 12)
	url := h.Origin.Add("/stall.bin", &enginetest.File{Data: data, Stalls: 1})
	tk := h.Add(map[string]any{"url": url, "checksum": sha(data)})
	waiting := h.WaitState(tk.ID, task.Waiting, 5*time.Second)
	if !strings.Contains(enginetest.Deref(waiting.ErrorMessage), "no data") {
		t.Fatalf("error %q, want it to name the stall", enginetest.Deref(waiting.ErrorMessage))
	}
	h.WaitState(tk.ID, task.Completed, 10*time.Second)
	fileIs(t, h, "stall.bin", data)
	if reqs := h.Origin.Requests("/stall.bin"); reqs[len(reqs)-1].Start != int64(len(data)/2) {
		t.Fatalf("after the stall the download asked for %q; want it to resume at byte %d", reqs[len(reqs)-1].Range, len(data)/2)
	}
}

func TestOriginThatLiesAboutSizeFails(t *testing.T) {
	h := enginetest.Start(t, nil)
	h.Call("PUT", "/api/settings", map[string]any{"max_retries": 1}, nil)
	url := h.Origin.Add("/liar.bin", &enginetest.File{Data: enginetest.Bytes(64<<10, 13), ShortBody: true})
	tk := h.Add(map[string]any{"url": url})
	failed := h.WaitState(tk.ID, task.Failed, 20*time.Second)
	if failed.RetryCount != 1 || !strings.Contains(enginetest.Deref(failed.ErrorMessage), "EOF") {
		t.Fatalf("retry_count %d, error %q", failed.RetryCount, enginetest.Deref(failed.ErrorMessage))
	}
	// Every attempt that advanced reset the budget, so it went on while half
	// of the rest kept coming, and failed once an attempt brought nothing.
	// What it did send is kept, and shown, for a retry by the user.
	part, err := os.Stat(filepath.Join(h.Cfg.DownloadDir, "liar.bin.part"))
	if err != nil {
		t.Fatal(err)
	}
	if got := h.Get(tk.ID).Downloaded; got != part.Size() || got < 48<<10 || got >= 64<<10 {
		t.Fatalf("downloaded %d, want the %d bytes on disk, short of the whole file", got, part.Size())
	}
}

func TestOriginThatSendsCappedRanges(t *testing.T) {
	h := enginetest.Start(t, nil)
	data := enginetest.Bytes(1000_000, 14)
	url := h.Origin.Add("/capped.bin", &enginetest.File{Data: data, MaxRange: 100_000})
	tk := h.Add(map[string]any{"url": url, "checksum": sha(data)})
	done := h.WaitState(tk.ID, task.Completed, 10*time.Second)
	if done.RetryCount != 0 {
		t.Fatalf("retry_count %d: each capped range counted as a failure", done.RetryCount)
	}
	fileIs(t, h, "capped.bin", data)
	if n := len(h.Origin.Requests("/capped.bin")); n != 10 {
		t.Fatalf("origin saw %d requests for 10 ranges", n)
	}
}

func TestSpeedLimitChangedMidDownload(t *testing.T) {
	h := enginetest.Start(t, nil)
	data := enginetest.Bytes(3<<20, 15)
	tk := h.Add(map[string]any{"url": h.Origin.Add("/lim.bin", &enginetest.File{Data: data, Rate: 2 << 20}), "checksum": sha(data)})
	enginetest.Eventually(t, 10*time.Second, "bytes", func() bool { return h.Get(tk.ID).Downloaded > 256<<10 })
	// Shrinking the limit under a running read must slow it, never end it.
	h.Call("PUT", "/api/settings", map[string]any{"speed_limit": 100_000}, nil)
	time.Sleep(300 * time.Millisecond)
	if st := h.Get(tk.ID).State; st != task.Downloading {
		t.Fatalf("after the limit changed the task is %s", st)
	}
	h.Call("PUT", "/api/settings", map[string]any{"speed_limit": 0}, nil)
	h.WaitState(tk.ID, task.Completed, 20*time.Second)
	fileIs(t, h, "lim.bin", data)
}

// An origin that drops every connection part-way still gets the file, as
// long as each attempt advances: progress resets the retry budget.
func TestAttemptsThatAdvanceResetTheRetryBudget(t *testing.T) {
	h := enginetest.Start(t, nil)
	data := enginetest.Bytes(64<<10, 7)
	tk := h.Add(map[string]any{"url": h.Origin.Add("/flaky", &enginetest.File{Data: data, DropAfter: 8 << 10}), "filename": "flaky.bin"})
	done := h.WaitState(tk.ID, task.Completed, 30*time.Second)
	if done.RetryCount > 1 {
		t.Fatalf("retry_count %d after attempts that all advanced", done.RetryCount)
	}
	fileIs(t, h, "flaky.bin", data)
}
