package persistence

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	badger "github.com/dgraph-io/badger/v4"
	"github.com/rs/zerolog"

	"github.com/fetchd/fetchd/engine/task"
)

func open(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir, zerolog.Nop())
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return s
}

func TestCountsStayExactAcrossWritesDeletesAndReopen(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	a := task.Task{ID: "a", State: task.Queued}
	b := task.Task{ID: "b", State: task.Queued}
	must(t, s.SaveTasks(a, b))
	a.State = task.Downloading
	must(t, s.SaveTasks(a))
	must(t, s.SaveTasks(a)) // same state again: no change
	a.State = task.Completed
	b.State = task.Failed
	must(t, s.SaveTasks(a, b))
	must(t, s.DeleteTask("b"))
	must(t, s.DeleteTask("b")) // already gone: no change
	want := map[task.State]int64{task.Completed: 1}
	check(t, s.Counts(), want)
	must(t, s.Close())

	s = open(t, dir)
	defer s.Close()
	check(t, s.Counts(), want)
	tasks, err := s.LoadTasks()
	if err != nil || len(tasks) != 1 || tasks[0].ID != "a" || tasks[0].State != task.Completed || tasks[0].Meta == nil {
		t.Fatalf("loaded %+v, %v", tasks, err)
	}
}

func check(t *testing.T, got, want map[task.State]int64) {
	t.Helper()
	for _, st := range task.States {
		if got[st] != want[st] {
			t.Fatalf("count of %s = %d, want %d (all: %v)", st, got[st], want[st], got)
		}
	}
}

func TestSettingsRoundTrip(t *testing.T) {
	s := open(t, "")
	defer s.Close()
	if _, found, err := s.LoadSettings(); found || err != nil {
		t.Fatalf("fresh store has settings: %v %v", found, err)
	}
	want := task.Settings{MaxConcurrent: 9, MaxRetries: 1, SpeedLimit: 42}
	must(t, s.SaveSettings(want))
	got, found, err := s.LoadSettings()
	if !found || err != nil || got != want {
		t.Fatalf("settings %+v %v %v", got, found, err)
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	must(t, s.db.Update(func(txn *badger.Txn) error { return txn.Set(keySchema, []byte("99")) }))
	must(t, s.Close())
	_, err := Open(dir, zerolog.Nop())
	if err == nil || !strings.Contains(err.Error(), "schema version 99") {
		t.Fatalf("open of a newer store: %v", err)
	}
}

func TestOpenOnAFileFails(t *testing.T) {
	f := filepath.Join(t.TempDir(), "file")
	must(t, os.WriteFile(f, []byte("x"), 0o644))
	if _, err := Open(f, zerolog.Nop()); err == nil {
		t.Fatal("opening a store on a plain file succeeded")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// A batch bigger than one transaction is stored in several, counts exact.
func TestSaveManyTasksAtOnce(t *testing.T) {
	s := open(t, t.TempDir())
	defer s.Close()
	tasks := make([]task.Task, 10000)
	for i := range tasks {
		tasks[i] = task.Task{ID: fmt.Sprintf("%05d-%s", i, strings.Repeat("x", 200)), State: task.Queued, URL: strings.Repeat("u", 200)}
	}
	must(t, s.SaveTasks(tasks...))
	check(t, s.Counts(), map[task.State]int64{task.Queued: 10000})
	loaded, err := s.LoadTasks()
	if err != nil || len(loaded) != 10000 {
		t.Fatalf("loaded %d, %v", len(loaded), err)
	}
}

// A task's validators survive a reopen though its wire form leaves them out.
func TestValidatorsAreStored(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	v := task.Validators{ETag: `"v1"`, LastModified: "Wed, 21 Oct 2015 07:28:00 GMT", Size: 4096}
	must(t, s.SaveTasks(task.Task{ID: "a", State: task.Paused, Validators: v}))
	must(t, s.Close())
	s = open(t, dir)
	defer s.Close()
	tasks, err := s.LoadTasks()
	if err != nil || len(tasks) != 1 || tasks[0].Validators != v {
		t.Fatalf("loaded %+v, %v; want validators %+v", tasks, err, v)
	}
	raw, err := json.Marshal(tasks[0])
	if err != nil || strings.Contains(string(raw), "v1") || strings.Contains(string(raw), "validators") {
		t.Fatalf("wire form %s, %v: validators leaked", raw, err)
	}
}

// However the tasks of a big save fill a transaction, the per-state counts
// written with them still fit: sizes that end a transaction on its last
// byte or entry leave room for them.
func TestCountsFitHoweverTasksFillATransaction(t *testing.T) {
	s := open(t, "")
	defer s.Close()
	total := int64(0)
	for pad := 0; pad < 600; pad += 37 {
		tasks := make([]task.Task, 3000)
		for i := range tasks {
			tasks[i] = task.Task{ID: fmt.Sprintf("%d-%05d", pad, i), State: task.States[i%len(task.States)], URL: strings.Repeat("u", pad)}
		}
		if err := s.SaveTasks(tasks...); err != nil {
			t.Fatalf("pad %d: %v", pad, err)
		}
		total += int64(len(tasks))
	}
	var sum int64
	for _, n := range s.Counts() {
		sum += n
	}
	if sum != total {
		t.Fatalf("counts add up to %d, want %d", sum, total)
	}
}

func TestAStoreInUseSaysSo(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	defer s.Close()
	_, err := Open(dir, zerolog.Nop())
	if err == nil || !strings.Contains(err.Error(), "in use by another process") {
		t.Fatalf("second open: %v", err)
	}
}
