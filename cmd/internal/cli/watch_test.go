package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/engine/task"
	"github.com/fetchd/fetchd/wsconn/client"
)

func TestClientWatchPlain(t *testing.T) {
	h := enginetest.Start(t, nil)
	url := h.Origin.Add("/slow.bin", &enginetest.File{Data: enginetest.Bytes(256<<10, 6), Rate: 256 << 10})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut enginetest.Buffer
	exited := make(chan int, 1)
	go func() {
		_, code := runClient(ctx, []string{"watch", "--server", h.Srv.URL}, &out, &errOut)
		exited <- code
	}()
	enginetest.Eventually(t, 10*time.Second, "watch to connect", func() bool { return strings.Contains(out.String(), "connected to "+h.Srv.URL) })

	tk := h.Add(map[string]any{"url": url})
	enginetest.Eventually(t, 30*time.Second, "watch to see the download complete", func() bool {
		return strings.Contains(out.String(), tk.ID+" slow.bin DOWNLOADING -> COMPLETED")
	})
	if st := h.Get(tk.ID).State; st != task.Completed {
		t.Fatalf("watch saw COMPLETED, the daemon says %s", st)
	}
	cancel()
	select {
	case code := <-exited:
		if code != 0 {
			t.Fatalf("watch exit code %d: %s", code, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("watch did not return after its context was cancelled")
	}

	text := out.String()
	if strings.Contains(text, "\x1b") {
		t.Fatalf("plain output holds escape sequences:\n%q", text)
	}
	stamp := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)  `)
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		if !stamp.MatchString(line) {
			t.Errorf("line without a timestamp: %q", line)
		}
	}
	last := -1
	for _, want := range []string{"added (QUEUED)", "QUEUED -> STARTING", "STARTING -> DOWNLOADING", "DOWNLOADING -> COMPLETED"} {
		i := strings.Index(text, tk.ID+" slow.bin "+want)
		if i < 0 || i < last {
			t.Fatalf("plain output lacks %q in order:\n%s", want, text)
		}
		last = i
	}
}

// A view fed by hand, with a clock the test moves.
func testView(tty bool) (*watchView, *bytes.Buffer, *time.Time) {
	var out bytes.Buffer
	clock := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	v := newWatchView(&out, tty, "http://127.0.0.1:8484")
	v.now = func() time.Time { return clock }
	v.size = func() (int, int) { return 100, 8 }
	return v, &out, &clock
}

func msgWith(t *testing.T, typ string, tasks ...any) client.Message {
	t.Helper()
	m := client.Message{Type: typ}
	for _, tk := range tasks {
		raw, err := json.Marshal(tk)
		if err != nil {
			t.Fatal(err)
		}
		m.Tasks = append(m.Tasks, raw)
	}
	return m
}

func fakeTask(i int, state task.State, downloaded, size int64) task.Task {
	tk := task.Task{
		ID: fmt.Sprintf("%08x-0000-4000-8000-000000000000", i), URL: "http://o/f", Filename: fmt.Sprintf("file%d.bin", i),
		State: state, CreatedAt: time.Date(2026, 5, 1, 11, 0, i, 0, time.UTC), Meta: map[string]string{},
	}
	tk.SetProgress(downloaded, size)
	if state == task.Downloading {
		tk.Speed, tk.ETA = 2<<20, float64(size-downloaded)/(2<<20)
	}
	return tk
}

func TestWatchPlainProgressLines(t *testing.T) {
	v, out, clock := testView(false)
	running := fakeTask(1, task.Downloading, 10<<20, 100<<20)
	v.apply(msgWith(t, "SYNC_ALL", running, fakeTask(2, task.Completed, 5, 5)))
	if s := out.String(); !strings.Contains(s, "connected to http://127.0.0.1:8484: 2 downloads") ||
		!strings.Contains(s, running.ID+" file1.bin DOWNLOADING") || strings.Contains(s, "file2.bin") {
		t.Fatalf("first sync:\n%s", s)
	}
	out.Reset()

	move := func(n int64) {
		*clock = clock.Add(time.Second)
		v.apply(msgWith(t, "TASK_BATCH_UPDATE", map[string]any{"id": running.ID, "downloaded": n, "progress": float64(n) * 100 / (100 << 20)}))
		v.tick()
	}
	for i := range 4 {
		move(int64(11+i) << 20)
	}
	if out.Len() != 0 {
		t.Fatalf("a progress line before 5 s:\n%s", out)
	}
	move(20 << 20)
	if s := out.String(); !strings.Contains(s, "2026-05-01T12:00:05Z  "+running.ID+" file1.bin 20.0% of 100.0 MiB at 2.0 MiB/s, ETA 45s") {
		t.Fatalf("progress line:\n%q", s)
	}
	out.Reset()
	move(21 << 20)
	if out.Len() != 0 {
		t.Fatalf("a second progress line within 5 s:\n%s", out)
	}

	// A state change is one line at once; a removal names the file.
	failed := map[string]any{"id": running.ID, "state": "FAILED", "error_message": "HTTP 404"}
	v.apply(client.Message{Type: "TASK_UPDATED", Task: mustJSON(t, failed)})
	v.apply(client.Message{Type: "TASK_REMOVED", TaskID: running.ID})
	s := out.String()
	if !strings.Contains(s, running.ID+" file1.bin DOWNLOADING -> FAILED: HTTP 404\n") || !strings.Contains(s, running.ID+" file1.bin removed\n") {
		t.Fatalf("state change and removal:\n%s", s)
	}

	// Silence is reported once; the next SYNC_ALL reports what changed meanwhile.
	out.Reset()
	*clock = clock.Add(silenceLimit)
	v.tick()
	v.tick()
	if strings.Count(out.String(), "reconnecting") != 1 {
		t.Fatalf("silence:\n%s", out)
	}
	v.apply(msgWith(t, "SYNC_ALL", fakeTask(2, task.Completed, 5, 5), fakeTask(3, task.Queued, 0, 0)))
	if s := out.String(); !strings.Contains(s, "reconnected") || !strings.Contains(s, "file3.bin added (QUEUED)") {
		t.Fatalf("reconnect:\n%s", s)
	}
}

func mustJSON(t *testing.T, v any) json.RawMessage {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestWatchTerminalFrames(t *testing.T) {
	v, out, _ := testView(true)
	v.begin()
	if s := out.String(); !strings.HasPrefix(s, "\x1b[?25l") || !strings.Contains(s, "connecting to http://127.0.0.1:8484") {
		t.Fatalf("first frame: %q", s)
	}
	tasks := []any{fakeTask(1, task.Downloading, 42<<20, 100<<20), fakeTask(2, task.Queued, 0, 0)}
	for i := 3; i <= 9; i++ {
		tasks = append(tasks, fakeTask(i, task.Completed, 1<<10, 1<<10))
	}
	v.apply(msgWith(t, "SYNC_ALL", tasks...))
	v.apply(client.Message{Type: "ENGINE_STATS", Stats: &task.Stats{ActiveDownloads: 1, Queued: 1, Completed: 7, TotalSpeed: 2 << 20}})
	out.Reset()
	v.tick()
	frame := out.String()
	if !strings.HasPrefix(frame, "\r\x1b[1A") {
		t.Fatalf("a redraw does not go back over the last frame: %q", frame)
	}
	lines := strings.Split(strings.TrimSuffix(frame, "\x1b[J"), "\x1b[K\n")
	lines = lines[:len(lines)-1]
	if len(lines) != 7 { // summary, 5 tasks (8 rows less 3), "more"
		t.Fatalf("%d lines in an 8-row terminal:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	for _, want := range []string{"1 active, 1 queued, 0 paused, 7 completed, 0 failed  2.0 MiB/s"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("summary %q lacks %q", lines[0], want)
		}
	}
	bar := regexp.MustCompile(`^00000001  \[#{5}\.{8}\] +42\.0% +2\.0 MiB/s +eta 29s  DOWNLOADING  file1\.bin$`)
	if !bar.MatchString(lines[1]) {
		t.Errorf("running task line: %q", lines[1])
	}
	if !strings.Contains(lines[2], "QUEUED") || !strings.Contains(lines[6], "… and 4 more") {
		t.Errorf("frame:\n%s", strings.Join(lines, "\n"))
	}
	for _, l := range lines {
		if n := len([]rune(strings.TrimPrefix(l, "\r\x1b[1A"))); n > 99 {
			t.Errorf("line of %d columns in a 100-column terminal: %q", n, l)
		}
	}
	// The most recently finished tasks are the ones kept.
	if !strings.Contains(frame, "file9.bin") || strings.Contains(frame, "file3.bin") {
		t.Errorf("kept the wrong finished tasks:\n%s", frame)
	}

	// Nothing changed: no redraw; the end shows the cursor again.
	out.Reset()
	v.tick()
	if out.Len() != 0 {
		t.Fatalf("redrew an unchanged frame: %q", out)
	}
	v.end()
	if !strings.HasPrefix(out.String(), "\r\x1b[7A") || !strings.HasSuffix(out.String(), "\x1b[?25h") {
		t.Fatalf("end: %q", out)
	}
}
