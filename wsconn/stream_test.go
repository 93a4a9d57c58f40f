package wsconn_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/fetchd/fetchd/engine"
	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/engine/task"
	"github.com/fetchd/fetchd/wsconn/client"
)

// progressFields are the only fields a progress entry may carry besides id
// (and batch_id for a batch task).
var progressFields = []string{"progress", "size", "downloaded", "speed", "eta", "segments", "batch_id"}

func TestTasksDialectFieldForField(t *testing.T) {
	h := enginetest.Start(t, nil)
	c := dial(t, h, client.Options{})
	sync0 := next(t, c, 2*time.Second)
	if sync0.Type != "SYNC_ALL" || sync0.Tasks == nil || len(sync0.Tasks) != 0 || sync0.TS == 0 {
		t.Fatalf("first message %s, want SYNC_ALL with tasks: []", sync0.Raw)
	}

	data := enginetest.Bytes(1<<20, 1)
	url := h.Origin.Add("/f.bin", &enginetest.File{Data: data, Rate: 1 << 20})
	tk := h.Add(map[string]any{"url": url})

	added := next(t, c, 2*time.Second)
	if added.Type != "TASK_ADDED" || fields(t, added.Task)["url"] != url || fields(t, added.Task)["created_at"] == nil {
		t.Fatalf("after create: %s, want TASK_ADDED with the full task", added.Raw)
	}
	var sawDownloading, sawBatch bool
	for !sawDownloading || !sawBatch {
		m := next(t, c, 5*time.Second)
		if m.TS == 0 {
			t.Fatalf("message without ts: %s", m.Raw)
		}
		switch m.Type {
		case "TASK_UPDATED":
			f := fields(t, m.Task)
			if f["id"] != tk.ID || f["state"] == nil || f["url"] != nil || f["created_at"] != nil {
				t.Fatalf("TASK_UPDATED must carry id, state and only what changed: %s", m.Raw)
			}
			sawDownloading = sawDownloading || f["state"] == "DOWNLOADING"
		case "TASK_BATCH_UPDATE":
			for _, raw := range m.Tasks {
				for k := range fields(t, raw) {
					if k != "id" && !slices.Contains(progressFields, k) {
						t.Fatalf("progress entry carries %q: %s", k, raw)
					}
				}
			}
			sawBatch = true
		case "ENGINE_STATS":
		default:
			t.Fatalf("unexpected %s", m.Raw)
		}
	}
	h.WaitState(tk.ID, task.Completed, 10*time.Second)
	done := nextOf(t, c, "TASK_UPDATED", 5*time.Second)
	for done.Type != "TASK_UPDATED" || fields(t, done.Task)["state"] != "COMPLETED" {
		done = nextOf(t, c, "TASK_UPDATED", 5*time.Second)
	}
	if f := fields(t, done.Task); f["completed_at"] == nil || f["progress"] != float64(100) {
		t.Fatalf("completion update: %s", done.Raw)
	}
	h.Call("DELETE", "/api/downloads/"+tk.ID, nil, nil)
	if m := nextOf(t, c, "TASK_REMOVED", 2*time.Second); m.TaskID != tk.ID {
		t.Fatalf("TASK_REMOVED: %s", m.Raw)
	}
}

func TestClientsConvergeUnderConcurrentChanges(t *testing.T) {
	h := enginetest.Start(t, func(c *engine.Config) { n := 6; c.Settings.MaxConcurrent = &n })
	var watchers []*watcher
	for range 3 {
		watchers = append(watchers, watch(t, dial(t, h, client.Options{})))
	}

	const n = 36
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			data := enginetest.Bytes(64<<10+i*1024, uint64(i))
			url := h.Origin.Add(fmt.Sprintf("/t%d", i), &enginetest.File{Data: data, Rate: 256 << 10})
			tk := h.Add(map[string]any{"url": url, "priority": i % 3})
			time.Sleep(time.Duration(rand.IntN(50)) * time.Millisecond)
			switch i % 6 {
			case 0:
				h.Action(tk.ID, "pause")
			case 1:
				h.Action(tk.ID, "pause")
				h.Action(tk.ID, "resume")
			case 2:
				h.Action(tk.ID, "cancel")
			case 3:
				h.Call("DELETE", "/api/downloads/"+tk.ID, nil, nil)
			case 4:
				h.Action(tk.ID, "cancel")
				h.Action(tk.ID, "retry")
			}
		}()
		if i == n/2 { // one client joins in the middle of it all
			watchers = append(watchers, watch(t, dial(t, h, client.Options{})))
		}
	}
	wg.Wait()
	enginetest.Eventually(t, 60*time.Second, "the engine to go quiet", func() bool {
		for _, tk := range serverTasks(t, h) {
			if tk.State != task.Completed && tk.State != task.Paused && tk.State != task.Cancelled {
				return false
			}
		}
		return true
	})
	time.Sleep(time.Second) // PROTOCOL.md's quiet second: every flush is out
	want := serverTasks(t, h)
	for i, w := range watchers {
		w.mu.Lock()
		got := w.mirror.Tasks
		for id, tk := range want {
			if canonical(map[string]task.Task{id: got[id]}) != canonical(map[string]task.Task{id: tk}) {
				t.Errorf("client %d diverged on %s:\n got %+v\nwant %+v", i, id, got[id], tk)
			}
		}
		if len(got) != len(want) {
			t.Errorf("client %d has %d tasks, the server %d", i, len(got), len(want))
		}
		w.mu.Unlock()
	}
}

func TestBatchCadenceAndStats(t *testing.T) {
	h := enginetest.Start(t, nil)
	w := watch(t, dial(t, h, client.Options{}))
	var ids []string
	for i := range 3 {
		url := h.Origin.Add(fmt.Sprintf("/s%d", i), &enginetest.File{Data: enginetest.Bytes(800<<10, uint64(i)), Rate: 256 << 10})
		ids = append(ids, h.Add(map[string]any{"url": url}).ID)
	}
	for _, id := range ids {
		h.WaitState(id, task.Completed, 20*time.Second)
	}
	enginetest.Eventually(t, 5*time.Second, "a second ENGINE_STATS", func() bool { return w.count("ENGINE_STATS") >= 2 })
	quietFrom := len(mustMessages(w))
	time.Sleep(1500 * time.Millisecond)

	msgs, at := w.messages()
	var batches []time.Time
	var stats []time.Time
	var last client.Message
	for i, m := range msgs {
		switch m.Type {
		case "TASK_BATCH_UPDATE":
			batches = append(batches, at[i])
			seen := map[string]bool{}
			for _, raw := range m.Tasks {
				id := fields(t, raw)["id"].(string)
				if seen[id] {
					t.Fatalf("two entries for %s in one batch: %s", id, m.Raw)
				}
				seen[id] = true
			}
			if i >= quietFrom+1 {
				t.Fatalf("TASK_BATCH_UPDATE while idle: %s", m.Raw)
			}
		case "ENGINE_STATS":
			stats = append(stats, at[i])
			if m.Stats == nil || m.Stats.DBCounts == nil {
				t.Fatalf("ENGINE_STATS without db_counts: %s", m.Raw)
			}
			last = m // one sent between two adds counts fewer tasks
		}
	}
	if last.Stats == nil || last.Stats.DBCounts["all"] != 3 {
		t.Fatalf("the last ENGINE_STATS does not count the 3 tasks: %s", last.Raw)
	}
	if len(batches) < 4 {
		t.Fatalf("only %d batch updates over three 3-second downloads", len(batches))
	}
	if gap := meanGap(batches); gap < 400*time.Millisecond || gap > 750*time.Millisecond {
		t.Fatalf("batch updates every %s on average, want about 500 ms", gap)
	}
	if gap := meanGap(stats); gap < 1500*time.Millisecond || gap > 2600*time.Millisecond {
		t.Fatalf("ENGINE_STATS every %s on average, want about 2 s", gap)
	}
}

func mustMessages(w *watcher) []client.Message { m, _ := w.messages(); return m }

func meanGap(ts []time.Time) time.Duration {
	if len(ts) < 2 {
		return 0
	}
	return ts[len(ts)-1].Sub(ts[0]) / time.Duration(len(ts)-1)
}

// Follow reconnects after a restart, renews its subscriptions and converges
// on the new server state from SYNC_ALL.
func TestFollowReconnectsAndResubscribes(t *testing.T) {
	h := enginetest.Start(t, nil)
	gate := make(chan struct{})
	t.Cleanup(func() { close(gate) })
	watched := h.Add(map[string]any{"url": h.Origin.Add("/watched", &enginetest.File{Data: []byte("w"), Gate: gate})})
	h.Add(map[string]any{"url": h.Origin.Add("/other", &enginetest.File{Data: []byte("o"), Gate: gate})})

	var mu sync.Mutex
	mirror, syncs := client.NewMirror(), 0
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go client.Follow(ctx, client.Options{Server: h.Srv.URL, Subscriptions: []string{watched.ID}}, func(m client.Message) {
		mu.Lock()
		defer mu.Unlock()
		if m.Type == "SYNC_ALL" {
			syncs++
		}
		mirror.Apply(m)
	})
	seen := func() (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		_, ok := mirror.Tasks[watched.ID]
		return syncs, ok && len(mirror.Tasks) == 1
	}
	enginetest.Eventually(t, 5*time.Second, "the subscribed view", func() bool { n, ok := seen(); return n >= 2 && ok })
	before, _ := seen()
	h.Reopen() // the daemon goes away and comes back at the same address
	enginetest.Eventually(t, 20*time.Second, "a reconnect with the subscription renewed", func() bool {
		n, ok := seen()
		return n >= before+2 && ok
	})
}
