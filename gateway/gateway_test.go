package gateway_test

import (
	"bytes"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/fetchd/fetchd/engine"
	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/engine/task"
	"github.com/fetchd/fetchd/gateway"
)

// A client of a gateway gets the messages a client of the engine gets, at
// the same seq, byte for byte, in both dialects, with and without
// compression; and its SYNC_ALL is the engine's at an exact seq, so the
// stream after it has no gap.
func TestAGatewaySendsTheEnginesFrames(t *testing.T) {
	ns := natsServer(t, "127.0.0.1:0")
	h := engineOn(t, ns.ClientURL())
	_, gw := gatewayOn(t, ns.ClientURL())

	onEngine := enginetest.DialSocket(t, h.Srv.URL, "", false)
	plain := enginetest.DialSocket(t, gw, "", false)
	compressed := enginetest.DialSocket(t, gw, "", true)
	eventsEngine := enginetest.DialSocket(t, h.Srv.URL, "?protocol=events", false)
	eventsGateway := enginetest.DialSocket(t, gw, "?protocol=events", true)
	for _, c := range []*enginetest.Socket{onEngine, plain, compressed} {
		if m := c.Nth(1); m.Type != "SYNC_ALL" || m.Epoch == "" {
			t.Fatalf("first message %q, want SYNC_ALL with an epoch", m.Raw)
		}
	}
	eventsEngine.Nth(1)
	eventsGateway.Nth(1)

	data := enginetest.Bytes(96<<10, 1)
	var ids []string
	for i := range 3 {
		ids = append(ids, h.Add(map[string]any{"url": h.Origin.Add(fmt.Sprintf("/f%d", i), &enginetest.File{Data: data, Rate: 128 << 10})}).ID)
	}
	if code := h.Call("POST", "/api/batches", map[string]any{"batch_name": "Chapter", "meta": map[string]string{"chapterId": "c-1"},
		"items": []map[string]any{{"url": h.Origin.Add("/p1", &enginetest.File{Data: data, Rate: 128 << 10})}}}, nil); code != 201 {
		t.Fatalf("create batch: %d", code)
	}
	for _, id := range ids {
		h.WaitState(id, task.Completed, 20*time.Second)
	}
	h.Call("DELETE", "/api/downloads/"+ids[0], nil, nil)
	var last uint64
	enginetest.Eventually(t, 10*time.Second, "the deletion on the engine's socket", func() bool {
		for _, m := range onEngine.Got() {
			last = max(last, m.Seq)
			if m.Type == "TASK_REMOVED" {
				return true
			}
		}
		return false
	})

	engineBySeq := map[uint64][]byte{}
	for _, m := range onEngine.Got()[1:] {
		engineBySeq[m.Seq] = m.Raw
	}
	for name, c := range map[string]*enginetest.Socket{"plain": plain, "compressed": compressed} {
		c.UpTo(last)
		got := c.Got()
		at := got[0].Seq
		compared := 0
		for _, m := range got[1:] {
			if m.Seq != at+1 {
				t.Fatalf("%s: seq %d after %d: a gap or a repeat", name, m.Seq, at)
			}
			at = m.Seq
			if want, ok := engineBySeq[m.Seq]; ok {
				if !bytes.Equal(m.Raw, want) {
					t.Fatalf("%s: seq %d differs:\n gateway %q\n engine  %q", name, m.Seq, m.Raw, want)
				}
				compared++
			}
		}
		if compared < 10 {
			t.Fatalf("%s: only %d messages compared", name, compared)
		}
	}
	// The events dialect has no seq: the same frames in the same order.
	enginetest.Eventually(t, 10*time.Second, "the batch's events on both", func() bool {
		return len(eventsGateway.Got()) == len(eventsEngine.Got()) && len(eventsEngine.Got()) > 3
	})
	e, g := eventsEngine.Got(), eventsGateway.Got()
	for i := 1; i < len(e); i++ {
		if !bytes.Equal(e[i].Raw, g[i].Raw) {
			t.Fatalf("events message %d differs:\n gateway %q\n engine  %q", i, g[i].Raw, e[i].Raw)
		}
	}
}

// A client that subscribes on a gateway gets what it would on the engine:
// its ack, a SYNC_ALL of what it subscribed to, and only their updates.
func TestSubscriptionsOnAGateway(t *testing.T) {
	ns := natsServer(t, "127.0.0.1:0")
	h := engineOn(t, ns.ClientURL())
	_, gw := gatewayOn(t, ns.ClientURL())
	data := enginetest.Bytes(64<<10, 2)
	gate := make(chan struct{})
	seen := h.Add(map[string]any{"url": h.Origin.Add("/seen", &enginetest.File{Data: data, Rate: 64 << 10, Gate: gate})})
	unseen := h.Add(map[string]any{"url": h.Origin.Add("/unseen", &enginetest.File{Data: data, Rate: 64 << 10, Gate: gate})})

	for name, base := range map[string]string{"engine": h.Srv.URL, "gateway": gw} {
		c := enginetest.DialSocket(t, base, "", true)
		if m := c.Nth(1); len(m.Tasks) != 2 {
			t.Fatalf("%s: SYNC_ALL of %d tasks, want 2", name, len(m.Tasks))
		}
		c.Send(map[string]any{"event": "subscribe:download", "data": map[string]string{"downloadId": seen.ID}})
		enginetest.Eventually(t, 10*time.Second, name+": the subscription's SYNC_ALL", func() bool {
			for _, m := range c.Got()[1:] {
				if m.Type == "SYNC_ALL" {
					return true
				}
			}
			return false
		})
		var acked bool
		for _, m := range c.Got()[1:] {
			switch m.Type {
			case "SUBSCRIPTION_ACK":
				acked = true
			case "SYNC_ALL":
				if !acked || len(m.Tasks) != 1 || m.Tasks[0].ID != seen.ID {
					t.Fatalf("%s: after subscribing, SYNC_ALL %q (acked first: %v)", name, m.Raw, acked)
				}
			}
		}
		t.Cleanup(func() { // library events reach everyone
			got := c.Got()[1:]
			for len(got) > 0 && got[0].Type != "SYNC_ALL" {
				got = got[1:]
			}
			for _, m := range got {
				if !strings.HasPrefix(m.Type, "LIBRARY_") && bytes.Contains(m.Raw, []byte(unseen.ID)) {
					t.Errorf("%s: a subscribed client got a message about another task: %q", name, m.Raw)
				}
			}
		})
	}
	close(gate)
	h.WaitState(seen.ID, task.Completed, 20*time.Second)
	h.WaitState(unseen.ID, task.Completed, 20*time.Second)
}

// A client that drops resumes by since on the same gateway or another one,
// without a SYNC_ALL, and gets every message it missed.
func TestResumeOnAnyGateway(t *testing.T) {
	ns := natsServer(t, "127.0.0.1:0")
	h := engineOn(t, ns.ClientURL())
	_, a := gatewayOn(t, ns.ClientURL())
	_, b := gatewayOn(t, ns.ClientURL())
	for _, to := range []string{a, b} {
		first := enginetest.DialSocket(t, a, "", true)
		sync := first.Nth(1)
		h.Add(map[string]any{"url": h.Origin.Add("/before-"+to[len(to)-4:], &enginetest.File{Data: []byte("x")})})
		m := first.Nth(2)
		first.WS.Close()
		missed := h.Add(map[string]any{"url": h.Origin.Add("/missed-"+to[len(to)-4:], &enginetest.File{Data: []byte("y")})})
		h.WaitState(missed.ID, task.Completed, 10*time.Second)

		again := enginetest.DialSocket(t, to, fmt.Sprintf("?since=%s:%d", sync.Epoch, m.Seq), true)
		r := again.Nth(1)
		if r.Type == "SYNC_ALL" || r.Seq != m.Seq+1 {
			t.Fatalf("resuming after %d got %q first, want seq %d", m.Seq, r.Raw, m.Seq+1)
		}
		enginetest.Eventually(t, 10*time.Second, "the missed task in the replay", func() bool {
			for _, m := range again.Got() {
				if m.Type == "TASK_ADDED" && bytes.Contains(m.Raw, []byte(missed.ID)) {
					return true
				}
			}
			return false
		})
	}
}

// When the engine stops, a gateway closes its sockets with 1012 and answers
// 503 until an engine is back; then it serves the new run. A gateway that
// stops closes its sockets with 1001.
func TestAGatewayFollowsTheEngineAcrossARestart(t *testing.T) {
	ns := natsServer(t, "127.0.0.1:0")
	h := engineOn(t, ns.ClientURL())
	g, gw := gatewayOn(t, ns.ClientURL())
	c := enginetest.DialSocket(t, gw, "", false)
	before := c.Nth(1).Epoch
	h.Close()
	if code := c.ClosedWith(); code != 1012 {
		t.Fatalf("closed with %d when the engine stopped, want 1012", code)
	}
	enginetest.Eventually(t, 5*time.Second, "health to say no bus", func() bool { return health(t, gw) == 503 })
	h.Reopen()
	enginetest.Eventually(t, 10*time.Second, "the gateway to follow the new run", func() bool { return health(t, gw) == 200 })
	again := enginetest.DialSocket(t, gw, "", false)
	if m := again.Nth(1); m.Type != "SYNC_ALL" || m.Epoch == before {
		t.Fatalf("after the restart: %q, want a SYNC_ALL of a new epoch", m.Raw)
	}
	g.Close(t.Context())
	if code := again.ClosedWith(); code != 1001 {
		t.Fatalf("closed with %d when the gateway stopped, want 1001", code)
	}
}

// Losing the bus closes a gateway's sockets with 1012; it comes back by
// itself when the bus does.
func TestAGatewayThatLosesTheBusClosesItsSockets(t *testing.T) {
	ns := natsServer(t, "127.0.0.1:0")
	addr := ns.Addr().String()
	engineOn(t, ns.ClientURL())
	_, gw := gatewayOn(t, ns.ClientURL())
	c := enginetest.DialSocket(t, gw, "", false)
	c.Nth(1)
	ns.Shutdown()
	if code := c.ClosedWith(); code != 1012 {
		t.Fatalf("closed with %d when the bus went, want 1012", code)
	}
	if got := health(t, gw); got != 503 {
		t.Fatalf("health %d without a bus, want 503", got)
	}
	natsServer(t, addr)
	enginetest.Eventually(t, 20*time.Second, "the gateway back on the bus", func() bool { return health(t, gw) == 200 })
	enginetest.DialSocket(t, gw, "", false).Nth(1)
}

// A gateway whose engine goes silent without a word (killed, behind a bus
// that stays up) closes its sockets with 1012 instead of serving a dead
// stream.
func TestAGatewayNeverServesADeadStream(t *testing.T) {
	ns := natsServer(t, "127.0.0.1:0")
	enginetest.Start(t, func(c *engine.Config) { // no ENGINE_STATS, no tasks: a stream that says nothing
		c.Bus.URL = ns.ClientURL()
		c.StatsEvery = time.Hour
	})
	g, err := gateway.New(gateway.Config{NATS: ns.ClientURL(), Log: zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel),
		Silence: 3 * time.Second, SnapshotWithin: time.Second, RetryCap: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(g.Handler())
	t.Cleanup(func() { srv.Close(); g.Close(t.Context()) })
	enginetest.Eventually(t, 10*time.Second, "the gateway to follow the stream", g.Ready)
	c := enginetest.DialSocket(t, srv.URL, "", false)
	c.Nth(1)
	if code := c.ClosedWith(); code != 1012 {
		t.Fatalf("closed with %d when the engine went silent, want 1012", code)
	}
	enginetest.Eventually(t, 10*time.Second, "the gateway to follow the stream again", g.Ready)
}
