package main

import (
	"context"
	"crypto/sha256"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/engine/task"
)

// settle lets every task finish at full speed and returns them all,
// failing the test if one fails or is cancelled: nothing in the workload
// gives a download a reason to.
func (w *killWorkload) settle(t *testing.T) []task.Task {
	t.Helper()
	ctx := context.Background()
	for url := range w.blobOf {
		w.origin.SetRate(w.path(url), 0)
	}
	if err := w.api.Do(ctx, "PUT", "/api/settings", map[string]any{"speed_limit": 0}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := w.api.ActAll(ctx, task.Resume); err != nil {
		t.Fatal(err)
	}
	var tasks []task.Task
	enginetest.Eventually(t, 5*time.Minute, "every task to complete", func() bool {
		var err error
		if tasks, err = w.api.List(ctx, nil); err != nil {
			t.Fatal(err)
		}
		for _, tk := range tasks {
			if tk.State == task.Failed || tk.State == task.Cancelled {
				t.Fatalf("task %s (%s) is %s after the kills: %s", tk.ID, tk.URL, tk.State, enginetest.Deref(tk.ErrorMessage))
			}
			if tk.State != task.Completed {
				return false
			}
		}
		return true
	})
	return tasks
}

// check holds the daemon to what it answered and the disk to the daemon; it
// returns the bytes whose sha256 it verified.
func (w *killWorkload) check(t *testing.T, tasks []task.Task, dir string) int64 {
	t.Helper()
	byURL := map[string][]task.Task{}
	for _, tk := range tasks {
		byURL[tk.URL] = append(byURL[tk.URL], tk)
	}
	for url, ts := range byURL {
		if len(ts) > 1 {
			t.Errorf("%s is %d tasks; it was added once", url, len(ts))
		}
		if w.created[url] == "" && !w.maybe[url] {
			t.Errorf("task %s of %s: no one asked for it", ts[0].ID, url)
		}
	}
	for url, id := range w.created {
		ts := byURL[url]
		switch {
		case w.deleted[id] && len(ts) > 0:
			t.Errorf("task %s was deleted (2xx) and is back", id)
		case !w.deleted[id] && !w.maybeDeleted[id] && len(ts) == 0:
			t.Errorf("task %s of %s was created (2xx), never deleted, and is lost", id, url)
		case len(ts) > 0 && ts[0].ID != id:
			t.Errorf("task %s of %s came back as %s", id, url, ts[0].ID)
		}
	}

	dl := filepath.Join(dir, "dl")
	owned := map[string]bool{}
	var verified int64
	for _, tk := range tasks {
		path := filepath.Join(dl, filepath.FromSlash(tk.Destination), tk.Filename)
		owned[path] = true
		got, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("task %s is COMPLETED without its file: %v", tk.ID, err)
			continue
		}
		blob := w.blobOf[tk.URL]
		if sha256.Sum256(got) != w.sums[blob] || tk.Size != int64(len(w.blobs[blob])) {
			t.Errorf("task %s is COMPLETED with %d bytes (size %d) that are not the %d the origin served", tk.ID, len(got), tk.Size, len(w.blobs[blob]))
		}
		verified += int64(len(got))
	}
	filepath.WalkDir(dl, func(path string, e fs.DirEntry, err error) error {
		switch {
		case err != nil || e.IsDir() || owned[path]:
		case strings.HasSuffix(path, ".part"):
			t.Errorf("part file left with no download running: %s", path)
		default:
			t.Errorf("file no task owns (a deleted task's?): %s", path)
		}
		return nil
	})
	return verified
}
