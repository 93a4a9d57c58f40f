package engine

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rs/zerolog"

	"github.com/fetchd/fetchd/engine/task"
	"github.com/fetchd/fetchd/persistence"
)

// A change the store refused is an error for the caller, and neither the
// engine nor the store claims it.
func TestAFailedWriteFailsTheChange(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	t.Cleanup(origin.Close)
	dataDir := t.TempDir()
	e, err := Open(Config{DataDir: dataDir, DownloadDir: t.TempDir(), Logger: zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel)})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close(context.Background())
	lone, err := e.Add(task.AddRequest{URL: origin.URL + "/lone"})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := e.AddBatch(task.BatchRequest{BatchName: "b", Items: []task.BatchItem{{URL: origin.URL + "/1"}, {URL: origin.URL + "/2"}}})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := e.PauseAll(); err != nil || n != 3 {
		t.Fatalf("pause all: %d, %v", n, err)
	}
	settings, err := e.Settings()
	if err != nil {
		t.Fatal(err)
	}

	e.store.Close() // every write fails from here on

	ids := []string{lone.ID, batch.Tasks[0].ID, batch.Tasks[1].ID}
	fails := map[string]func() error{
		"resume":       func() error { _, err := e.Act(lone.ID, task.Resume); return err },
		"cancel":       func() error { _, err := e.Act(lone.ID, task.Cancel); return err },
		"delete":       func() error { return e.Delete(lone.ID, false) },
		"resume all":   func() error { _, err := e.ResumeAll(); return err },
		"batch resume": func() error { _, err := e.ActBatch(batch.BatchID, task.Resume, false); return err },
		"batch delete": func() error { _, err := e.ActBatch(batch.BatchID, task.Delete, false); return err },
		"add":          func() error { _, err := e.Add(task.AddRequest{URL: origin.URL + "/new"}); return err },
		"settings": func() error {
			n := settings.MaxConcurrent + 1
			_, err := e.UpdateSettings(task.SettingsPatch{MaxConcurrent: &n})
			return err
		},
	}
	for name, f := range fails {
		if err := f(); err == nil {
			t.Errorf("%s: no error though nothing was stored", name)
		}
	}
	rec := httptest.NewRecorder()
	e.Handler().ServeHTTP(rec, httptest.NewRequest("POST", "http://127.0.0.1/api/downloads/"+lone.ID+"/resume", nil))
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("POST resume answered %d, want 500: %s", rec.Code, rec.Body)
	}
	for _, id := range ids {
		if got, err := e.Get(id); err != nil || got.State != task.Paused {
			t.Errorf("task %s is %s (%v), want it still PAUSED", id, got.State, err)
		}
	}
	if now, err := e.Settings(); err != nil || now != settings {
		t.Errorf("settings are %+v (%v), want %+v", now, err, settings)
	}
	if page, err := e.List(task.Query{Page: 1, Limit: 10}); err != nil || page.Total != len(ids) {
		t.Errorf("%d tasks listed (%v), want %d", page.Total, err, len(ids))
	}

	e.Close(context.Background())
	s, err := persistence.Open(dataDir, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	stored, err := s.LoadTasks()
	if err != nil || len(stored) != len(ids) {
		t.Fatalf("stored %d tasks (%v), want %d", len(stored), err, len(ids))
	}
	for _, st := range stored {
		if st.State != task.Paused {
			t.Errorf("stored task %s is %s, want PAUSED", st.ID, st.State)
		}
	}
}
