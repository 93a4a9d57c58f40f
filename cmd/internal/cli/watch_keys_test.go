package cli

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/fetchd/fetchd/engine/task"
)

func TestDecodeKeys(t *testing.T) {
	got := decodeKeys([]byte("jk\x1b[A\x1b[B\x1bOAxpr\x1b[Cq\x03"))
	want := []key{keyDown, keyUp, keyUp, keyDown, keyUp, keyPause, keyResume, keyQuit, keyQuit}
	if !slices.Equal(got, want) {
		t.Fatalf("decodeKeys = %v, want %v", got, want)
	}
}

func TestWatchKeysSelectAndAct(t *testing.T) {
	v, out, _ := testView(true)
	v.keys = make(chan key)
	type call struct {
		id string
		a  task.Action
	}
	calls := make(chan call, 4)
	v.act = func(_ context.Context, id string, a task.Action) string {
		calls <- call{id, a}
		return string(a) + " done"
	}
	queued, running := fakeTask(1, task.Queued, 0, 0), fakeTask(2, task.Downloading, 1<<20, 4<<20)
	v.apply(msgWith(t, "SYNC_ALL", queued, running))
	v.draw()
	lines := strings.Split(out.String(), "\x1b[K\n")
	// Running first, though added later; it is selected; the keys' line is last.
	if !strings.Contains(lines[1], "\x1b[7m"+running.ID[:8]) || !strings.Contains(lines[2], queued.ID[:8]) || strings.Contains(lines[2], "\x1b[7m") ||
		!strings.Contains(lines[3], keyHint) {
		t.Fatalf("frame:\n%q", lines)
	}

	ctx := context.Background()
	v.handleKey(ctx, keyDown)
	v.handleKey(ctx, keyDown) // stays on the last row
	if v.selected != queued.ID {
		t.Fatalf("down selected %s", v.selected)
	}
	v.handleKey(ctx, keyResume)
	if c := <-calls; c.id != queued.ID || c.a != task.Resume {
		t.Fatalf("r called %+v", c)
	}
	v.note = <-v.notes
	v.handleKey(ctx, keyUp)
	v.handleKey(ctx, keyPause)
	if c := <-calls; c.id != running.ID || c.a != task.Pause {
		t.Fatalf("p called %+v", c)
	}
	v.note = <-v.notes
	out.Reset()
	v.draw()
	if !strings.Contains(out.String(), keyHint+"  |  pause done") {
		t.Fatalf("the note of the last action: %q", out)
	}
	if !v.handleKey(ctx, keyQuit) {
		t.Fatal("q did not quit")
	}
}
