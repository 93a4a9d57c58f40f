package engine_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/fetchd/fetchd/actors/hub"
	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/engine/task"
	"github.com/fetchd/fetchd/wsconn"
	"github.com/fetchd/fetchd/wsconn/client"
)

// faultyCodec fails as a bug in a dialect's encoder would.
type faultyCodec struct{}

func (faultyCodec) Encode(task.Event, hub.Position, task.Subscriptions) []byte { panic("encoder bug") }

// nowhere is an outbox that takes nothing: the codec fails before it is used.
type nowhere struct{}

func (nowhere) Push([]byte)          {}
func (nowhere) Close(hub.Disconnect) {}
func (nowhere) Closed() bool         { return false }

// A panic in a core actor never leaves a live-but-empty actor behind: the
// engine stops serving, every client is closed with 1011 (so it reconnects
// to the next start instead of waiting on a silent socket), the API answers
// 503, and the store holds every task for the next start.
func TestAPanicInTheHubClosesEveryClientWith1011(t *testing.T) {
	h := enginetest.Start(t, nil)
	added := h.Add(map[string]any{"url": h.Origin.Add("/a", &enginetest.File{Data: []byte("a")})})
	h.WaitState(added.ID, task.Completed, 10*time.Second)
	c, err := client.Dial(t.Context(), client.Options{Server: h.Srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if m, err := c.Read(); err != nil || m.Type != "SYNC_ALL" {
		t.Fatalf("first message %+v, %v", m, err)
	}

	h.Eng.SendToActor("hub", hub.Attach{Member: hub.Member{ID: 1 << 62, Codec: faultyCodec{}, Outbox: nowhere{}}, First: task.SyncAll{}})

	deadline := time.Now().Add(10 * time.Second)
	c.WebSocket().SetReadDeadline(deadline)
	for {
		if time.Now().After(deadline) {
			t.Fatal("the connection stayed open after the hub failed")
		}
		_, err := c.Read()
		if err == nil {
			continue // what was on its way before the failure
		}
		if code := client.CloseCode(err); code != wsconn.CloseInternal {
			t.Fatalf("connection ended with %v (code %d); want a close frame %d", err, code, wsconn.CloseInternal)
		}
		break
	}
	select {
	case <-h.Eng.Failed():
	case <-time.After(10 * time.Second):
		t.Fatal("Failed() not closed after the hub failed")
	}
	if h.Eng.Failure() == nil {
		t.Fatal("Failure() is nil after the hub failed")
	}
	if code := h.Call("GET", "/api/downloads", nil, nil); code != http.StatusServiceUnavailable {
		t.Fatalf("GET /api/downloads after the failure: %d, want 503", code)
	}
	if _, err := client.Dial(t.Context(), client.Options{Server: h.Srv.URL}); err == nil {
		t.Fatal("a new connection was accepted by a failed engine")
	}

	h.Reopen()
	if got := h.Get(added.ID); got.State != task.Completed {
		t.Fatalf("after the next start the task is %s, want COMPLETED", got.State)
	}
}
