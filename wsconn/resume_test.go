package wsconn_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/fetchd/fetchd/actors/hub"
	"github.com/fetchd/fetchd/engine"
	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/engine/task"
	"github.com/fetchd/fetchd/wsconn/client"
)

// converge waits until w's mirror holds what GET /api/downloads returns,
// checks that the seqs of its stream messages run without a gap after from,
// and returns the position of the last message applied.
func converge(t *testing.T, h *enginetest.Daemon, w *watcher, from client.Position) client.Position {
	t.Helper()
	enginetest.Eventually(t, 30*time.Second, "the client to converge with the server", func() bool {
		want := canonical(serverTasks(t, h))
		w.mu.Lock()
		defer w.mu.Unlock()
		return canonical(w.mirror.Tasks) == want
	})
	at := from
	for _, m := range mustMessages(w) {
		perConnection := m.Type == "SYNC_ALL" || m.Type == "SUBSCRIPTION_ACK" || m.Type == "ERROR"
		if !perConnection && at.Epoch != "" && m.Seq != at.Seq+1 {
			t.Fatalf("%s has seq %d after %d: a gap in an unfiltered stream", m.Type, m.Seq, at.Seq)
		}
		at.Advance(m)
	}
	return at
}

// A client that blinks gets what it missed, numbered as it was first sent,
// instead of the whole SYNC_ALL, and converges with the server whatever
// happened in between: adds, deletes, state changes and progress.
func TestAResumedClientGetsWhatItMissedAndConverges(t *testing.T) {
	h := enginetest.Start(t, func(c *engine.Config) { n := 2; c.Settings.MaxConcurrent = &n })
	var ids []string
	for i := range 4 {
		url := h.Origin.Add(fmt.Sprintf("/before%d", i), &enginetest.File{Data: enginetest.Bytes(96<<10, uint64(i)), Rate: 128 << 10})
		ids = append(ids, h.Add(map[string]any{"url": url}).ID)
	}
	c := dial(t, h, client.Options{})
	w := watch(t, c)
	enginetest.Eventually(t, 5*time.Second, "SYNC_ALL", func() bool { return w.count("SYNC_ALL") == 1 })
	if first := mustMessages(w)[0]; first.Type != "SYNC_ALL" || first.Epoch == "" {
		t.Fatalf("first message %s with epoch %q; want SYNC_ALL with an epoch", first.Type, first.Epoch)
	}
	at := converge(t, h, w, client.Position{})
	c.Close()
	<-w.done
	at = converge(t, h, w, client.Position{}) // every message read before the close

	// While it is away: everything a client can miss.
	h.Action(ids[0], "pause")
	h.Call("DELETE", "/api/downloads/"+ids[1], nil, nil)
	h.Action(ids[2], "cancel")
	for i := range 3 {
		url := h.Origin.Add(fmt.Sprintf("/during%d", i), &enginetest.File{Data: enginetest.Bytes(64<<10, uint64(10+i)), Rate: 256 << 10})
		h.WaitState(h.Add(map[string]any{"url": url}).ID, task.Completed, 20*time.Second)
	}

	r := watchFrom(t, dial(t, h, client.Options{Since: at.Since()}), w.mirror)
	converge(t, h, r, at)
	resumed := mustMessages(r)
	if resumed[0].Type == "SYNC_ALL" || resumed[0].Seq != at.Seq+1 {
		t.Fatalf("resuming from %s: first message %s with seq %d, want the missed one, %d", at.Since(), resumed[0].Type, resumed[0].Seq, at.Seq+1)
	}
}

// A position the server cannot serve is answered with a fresh SYNC_ALL,
// never an error.
func TestAPositionTheServerCannotServeGetsSyncAll(t *testing.T) {
	h := enginetest.Start(t, func(c *engine.Config) {
		c.Replay = hub.ReplayLimits{Keep: time.Nanosecond, Bytes: 1, MaxBytes: 1} // keeps one message
		c.StatsEvery = time.Hour                                                  // a stream that goes quiet
	})
	c := dial(t, h, client.Options{})
	sync := next(t, c, 5*time.Second)
	var added []string
	for i := range 3 {
		added = append(added, h.Add(map[string]any{"url": h.Origin.Add(fmt.Sprintf("/x%d", i), &enginetest.File{Data: []byte("x")})}).ID)
	}
	for _, id := range added {
		h.WaitState(id, task.Completed, 10*time.Second)
	}
	var last client.Message
	for last.Seq < sync.Seq+3 {
		last = next(t, c, 5*time.Second)
	}
	cases := map[string]string{
		"too old":       sync.Epoch + ":" + strconv.FormatUint(sync.Seq, 10),
		"another epoch": "OTHER0RUN:" + strconv.FormatUint(last.Seq, 10),
		"ahead":         sync.Epoch + ":" + strconv.FormatUint(last.Seq+1000, 10),
		"malformed":     "not a position",
		"bad seq":       sync.Epoch + ":-1",
	}
	for name, since := range cases {
		t.Run(name, func(t *testing.T) {
			r := dial(t, h, client.Options{Since: since})
			if m := next(t, r, 5*time.Second); m.Type != "SYNC_ALL" || m.Epoch != sync.Epoch {
				t.Fatalf("since=%q: first message %s (epoch %q), want a fresh SYNC_ALL", since, m.Type, m.Epoch)
			}
		})
	}
	t.Run("the newest", func(t *testing.T) { // nothing missed: nothing sent, and no SYNC_ALL
		for { // to the newest message: one quiet second
			c.WebSocket().SetReadDeadline(time.Now().Add(time.Second))
			m, err := c.Read()
			if err != nil {
				break
			}
			last = m
		}
		r := dial(t, h, client.Options{Since: sync.Epoch + ":" + strconv.FormatUint(last.Seq, 10)})
		// An ERROR comes back through the hub after the attach: only then may
		// the stream move on (the ring holds one message).
		if err := r.SendRaw([]byte("not json")); err != nil {
			t.Fatal(err)
		}
		if m := next(t, r, 5*time.Second); m.Type != "ERROR" || m.Seq != last.Seq {
			t.Fatalf("first message %s seq %d, want the ERROR at seq %d: nothing missed, nothing sent", m.Type, m.Seq, last.Seq)
		}
		h.Add(map[string]any{"url": h.Origin.Add("/y", &enginetest.File{Data: []byte("y")})})
		if m := next(t, r, 5*time.Second); m.Type == "SYNC_ALL" || m.Seq != last.Seq+1 {
			t.Fatalf("first message %s seq %d, want the next stream message %d", m.Type, m.Seq, last.Seq+1)
		}
	})
}

// Messages for one connection carry the seq of the stream message they
// follow; SYNC_ALL holds every change up to it.
func TestOneConnectionsMessagesCarryTheStreamsSeq(t *testing.T) {
	h := enginetest.Start(t, nil)
	tk := h.Add(map[string]any{"url": h.Origin.Add("/a", &enginetest.File{Data: []byte("a")})})
	h.WaitState(tk.ID, task.Completed, 10*time.Second)
	c := dial(t, h, client.Options{})
	sync := next(t, c, 5*time.Second)
	if sync.Seq == 0 {
		t.Fatalf("SYNC_ALL after %d tasks' messages has seq 0", 1)
	}
	c.Subscribe(tk.ID)
	ack := nextOf(t, c, "SUBSCRIPTION_ACK", 5*time.Second)
	resync := nextOf(t, c, "SYNC_ALL", 5*time.Second)
	if ack.Seq < sync.Seq || resync.Seq != ack.Seq {
		t.Fatalf("seqs: SYNC_ALL %d, ack %d, SYNC_ALL after it %d", sync.Seq, ack.Seq, resync.Seq)
	}
}
