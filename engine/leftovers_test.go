package engine_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/rs/zerolog"

	"github.com/fetchd/fetchd/engine"
	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/engine/task"
	"github.com/fetchd/fetchd/persistence"
)

// What a kill -9 kept from being removed is removed at the next start: the
// files of a task deleted while its transfer still held them, and the part
// file of a cancelled task. Nothing else in the download dir is touched.
func TestStartRemovesWhatACrashLeft(t *testing.T) {
	data, dl := t.TempDir(), t.TempDir()
	write := func(name string) string {
		p := filepath.Join(dl, name)
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	deletedPart, deletedFile := write("gone.bin.part"), write("gone.bin")
	cancelledPart := write("stopped.bin.part")
	pausedPart := write("paused.bin.part")
	foreign := write("someone-elses.part")

	store, err := persistence.Open(data, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	now := task.Now()
	tasks := []task.Task{
		{ID: "gone", URL: "http://127.0.0.1:1/gone", Filename: "gone.bin", State: task.Downloading, CreatedAt: now, Meta: map[string]string{}},
		{ID: "stopped", URL: "http://127.0.0.1:1/stopped", Filename: "stopped.bin", State: task.Cancelled, CreatedAt: now, Meta: map[string]string{}},
		{ID: "paused", URL: "http://127.0.0.1:1/paused", Filename: "paused.bin", State: task.Paused, CreatedAt: now, Meta: map[string]string{}},
	}
	if err := store.SaveTasks(tasks...); err != nil {
		t.Fatal(err)
	}
	// The daemon deleted "gone" with its files and died before removing them.
	if err := store.DeleteTask("gone", deletedPart, deletedFile); err != nil {
		t.Fatal(err)
	}
	store.Close()

	eng, err := engine.Open(engine.Config{DataDir: data, DownloadDir: dl, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close(context.Background())
	for _, p := range []string{deletedPart, deletedFile, cancelledPart} {
		if enginetest.Exists(p) {
			t.Errorf("%s is still there after a start", filepath.Base(p))
		}
	}
	for _, p := range []string{pausedPart, foreign} {
		if !enginetest.Exists(p) {
			t.Errorf("%s was removed: it is not a leftover", filepath.Base(p))
		}
	}
	eng.Close(context.Background())

	// Removed once: the record is gone too, so a new file of that name stays.
	again := write("gone.bin")
	eng, err = engine.Open(engine.Config{DataDir: data, DownloadDir: dl, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close(context.Background())
	if !enginetest.Exists(again) {
		t.Fatal("a second start removed a file the record had already accounted for")
	}
}
