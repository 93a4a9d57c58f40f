package manager_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/fetchd/fetchd/actors/manager"
	"github.com/fetchd/fetchd/engine/task"
	"github.com/fetchd/fetchd/persistence"
)

// A shutdown that arrives after a running task is deleted, but before its
// transfer has let go, waits for that transfer like any other, and is
// answered when it ends: not never, and not at the caller's time limit.
func TestShutdownWaitsForTheTransferOfADeletedTask(t *testing.T) {
	release := make(chan struct{})
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "4096")
		w.Write(make([]byte, 1024))
		w.(http.Flusher).Flush()
		select { // the rest never comes: the transfer runs until it is stopped
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer origin.Close()
	defer close(release)
	store, err := persistence.Open(t.TempDir(), zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	m := manager.New(manager.Config{
		Store: store, DownloadDir: t.TempDir(), Settings: task.DefaultSettings(), Log: zerolog.Nop(),
		HTTPClient: origin.Client(), RetryBase: time.Second, RetryCap: time.Minute,
		StallTimeout: time.Minute, Checkpoint: time.Second, ProgressEvery: 100 * time.Millisecond,
	}, nil, nil)
	system := actor.NewActorSystem()
	defer system.Shutdown()
	root := system.Root
	pid := root.Spawn(manager.Props(m))

	res, err := root.RequestFuture(pid, manager.Add{Request: task.AddRequest{URL: origin.URL + "/held.bin"}}, 5*time.Second).Result()
	if err != nil {
		t.Fatal(err)
	}
	id := res.(manager.Reply[task.Task]).V.ID
	for deadline := time.Now().Add(10 * time.Second); ; {
		res, err := root.RequestFuture(pid, manager.Get{ID: id}, 5*time.Second).Result()
		if err != nil {
			t.Fatal(err)
		}
		if res.(manager.Reply[task.Task]).V.State == task.Downloading {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the download never started")
		}
		time.Sleep(10 * time.Millisecond)
	}

	// Both in the mailbox before the delete is handled: the transfer can
	// only report Finished after the shutdown is asked for.
	deleted := root.RequestFuture(pid, manager.Act{ID: id, Action: task.Delete}, 5*time.Second)
	stopped := root.RequestFuture(pid, manager.Shutdown{}, 5*time.Second)
	if res, err := deleted.Result(); err != nil || res.(manager.Reply[task.Task]).Err != nil {
		t.Fatalf("delete: %v %+v", err, res)
	}
	if _, err := stopped.Result(); err != nil {
		t.Fatalf("shutdown after deleting a running task: %v", err)
	}
}
