package wsconn_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/rs/zerolog"

	"github.com/fetchd/fetchd/engine"
	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/engine/task"
	"github.com/fetchd/fetchd/wsconn"
	"github.com/fetchd/fetchd/wsconn/client"
)

func TestSubscriptionsByTaskAndBatch(t *testing.T) {
	h := enginetest.Start(t, func(c *engine.Config) { n := 5; c.Settings.MaxConcurrent = &n })
	gate := make(chan struct{})
	t.Cleanup(func() { close(gate) })
	held := func(p string) string { return h.Origin.Add(p, &enginetest.File{Data: []byte(p), Gate: gate}) }
	lone := h.Add(map[string]any{"url": held("/lone")})
	other := h.Add(map[string]any{"url": held("/other")})
	b1 := h.Add(map[string]any{"url": held("/b1"), "batch_name": "season 1"})
	b2 := h.Add(map[string]any{"url": held("/b2"), "batch_id": *b1.BatchID})
	for _, id := range []string{lone.ID, other.ID, b1.ID, b2.ID} {
		h.WaitState(id, task.Downloading, 5*time.Second) // quiet from here on
	}

	c := dial(t, h, client.Options{})
	if m := nextOf(t, c, "SYNC_ALL", 2*time.Second); len(m.Tasks) != 4 {
		t.Fatalf("unfiltered SYNC_ALL has %d tasks", len(m.Tasks))
	}
	c.Subscribe(lone.ID)
	ack := nextOf(t, c, "SUBSCRIPTION_ACK", 2*time.Second)
	if ack.Action != "subscribed" || ack.DownloadID != lone.ID {
		t.Fatalf("ack %s", ack.Raw)
	}
	if m := next(t, c, 2*time.Second); m.Type != "SYNC_ALL" || len(m.Tasks) != 1 || fields(t, m.Tasks[0])["id"] != lone.ID {
		t.Fatalf("after subscribing to a task: %s, want SYNC_ALL of just it", m.Raw)
	}
	c.Subscribe(*b1.BatchID)
	nextOf(t, c, "SUBSCRIPTION_ACK", 2*time.Second)
	if m := next(t, c, 2*time.Second); m.Type != "SYNC_ALL" || len(m.Tasks) != 3 {
		t.Fatalf("after subscribing to a batch: %s, want the task and both batch items", m.Raw)
	}

	// Changes to what it sees arrive; changes to the rest do not.
	h.Action(other.ID, "pause")
	h.Action(b2.ID, "pause")
	m := nextOf(t, c, "TASK_UPDATED", 2*time.Second)
	if id := fields(t, m.Task)["id"]; id != b2.ID {
		t.Fatalf("subscribed client got an update for %v", id)
	}
	added := h.Add(map[string]any{"url": held("/b3"), "batch_id": *b1.BatchID})
	if m := nextOf(t, c, "TASK_ADDED", 2*time.Second); fields(t, m.Task)["id"] != added.ID {
		t.Fatalf("TASK_ADDED for a new batch item: %s", m.Raw)
	}

	c.Unsubscribe(lone.ID)
	c.Unsubscribe(*b1.BatchID)
	nextOf(t, c, "SUBSCRIPTION_ACK", 2*time.Second)
	ack = nextOf(t, c, "SUBSCRIPTION_ACK", 2*time.Second)
	if ack.Action != "unsubscribed" {
		t.Fatalf("ack %s", ack.Raw)
	}
	if m := next(t, c, 2*time.Second); m.Type != "SYNC_ALL" || len(m.Tasks) != 5 {
		t.Fatalf("an empty set sees everything again: %s", m.Raw)
	}
}

func TestMalformedMessagesGetErrorsAndTheConnectionStays(t *testing.T) {
	h := enginetest.Start(t, nil)
	c := dial(t, h, client.Options{})
	nextOf(t, c, "SYNC_ALL", 2*time.Second)
	for _, c2 := range []struct{ raw, mention string }{
		{`not json`, "not valid JSON"},
		{`[1,2]`, "JSON object"},
		{`{"data":{"downloadId":"x"}}`, `no "event"`},
		{`{"event":"explode","data":{}}`, "unknown event"},
		{`{"event":"subscribe:download","data":"x"}`, `"data" must be an object`},
		{`{"event":"subscribe:download"}`, `"data" must be an object`},
		{`{"event":"subscribe:download","data":{"downloadId":""}}`, "non-empty"},
		{`{"event":"subscribe:download","data":{"downloadId":7}}`, "non-empty"},
	} {
		if err := c.SendRaw([]byte(c2.raw)); err != nil {
			t.Fatal(err)
		}
		m := nextOf(t, c, "ERROR", 2*time.Second)
		if !strings.Contains(m.Message, c2.mention) {
			t.Errorf("%s: error %q, want it to mention %q", c2.raw, m.Message, c2.mention)
		}
	}
	c.WebSocket().WriteMessage(websocket.BinaryMessage, []byte{1, 2, 3})
	nextOf(t, c, "ERROR", 2*time.Second)

	for i := range wsconn.MaxSubscriptions {
		c.Subscribe(fmt.Sprintf("id-%d", i))
	}
	c.Subscribe("one-too-many")
	m := nextOf(t, c, "ERROR", 10*time.Second)
	if !strings.Contains(m.Message, "1000") {
		t.Fatalf("over the subscription limit: %s", m.Raw)
	}
	// Still usable: the acks of the accepted subscriptions, then this one's.
	c.Unsubscribe("id-0")
	for {
		m := nextOf(t, c, "SUBSCRIPTION_ACK", 10*time.Second)
		if m.Action == "unsubscribed" && m.DownloadID == "id-0" {
			break
		}
	}
}

// Sent plain, or compressed (a few hundred bytes that inflate past the
// limit), a message over 64 KiB closes the connection with 1009.
func TestOversizedMessageCloses1009(t *testing.T) {
	h := enginetest.Start(t, nil)
	for _, plain := range []bool{true, false} {
		t.Run(map[bool]string{true: "plain", false: "compressed"}[plain], func(t *testing.T) {
			oversized(t, h, dial(t, h, client.Options{NoCompression: plain}))
		})
	}
}

func oversized(t *testing.T, h *enginetest.Daemon, c *client.Conn) {
	nextOf(t, c, "SYNC_ALL", 2*time.Second)
	big := `{"event":"subscribe:download","data":{"downloadId":"` + strings.Repeat("x", 64<<10) + `"}}`
	c.SendRaw([]byte(big))
	c.WebSocket().SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		_, err := c.Read()
		if err != nil {
			if code := client.CloseCode(err); code != 1009 {
				t.Fatalf("closed with %d (%v), want 1009", code, err)
			}
			return
		}
	}
}

func TestSlowConsumerIsClosedAndOthersKeepUp(t *testing.T) {
	// The slow client reads only after every task is added, which on a loaded
	// machine can take longer than the 10 s a stuck socket is kept: a longer
	// write wait keeps this test about the queue limit alone.
	h := enginetest.Start(t, func(c *engine.Config) {
		c.WS = wsconn.DefaultLimits()
		c.WS.WriteWait = time.Minute
	})
	slow := dialSlow(t, h)
	var readers []*counter
	for range 50 {
		readers = append(readers, count(t, dial(t, h, client.Options{})))
	}
	// Every reader is attached before the first task: none gets it in SYNC_ALL.
	enginetest.Eventually(t, 10*time.Second, "every reader's SYNC_ALL", func() bool {
		for _, r := range readers {
			if r.syncs.Load() == 0 {
				return false
			}
		}
		return true
	})
	gate := make(chan struct{})
	t.Cleanup(func() { close(gate) })
	// 80 tasks with 32 KiB of meta each: 2.5 MB of TASK_ADDED, past the slow
	// client's 1 MiB queue and its socket buffers.
	meta := map[string]string{"blob": strings.Repeat("m", 32<<10)}
	const n = 80
	for i := range n {
		h.Add(map[string]any{"url": h.Origin.Add(fmt.Sprintf("/x%d", i), &enginetest.File{Data: []byte("x"), Gate: gate}), "meta": meta})
	}
	// Now read the slow one: what fit in its buffers, then the close 4008,
	// which the server keeps trying to deliver for 10 s.
	slow.SetReadDeadline(time.Now().Add(time.Minute))
	for {
		_, _, err := slow.ReadMessage()
		if err != nil {
			if code := client.CloseCode(err); code != wsconn.CloseSlowConsumer {
				t.Fatalf("slow client closed with %d (%v), want 4008", code, err)
			}
			break
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var short []string
		for i, r := range readers {
			if got := r.added.Load(); got < n {
				short = append(short, fmt.Sprintf("reader %d has %d (sync %d, ended %v)", i, got, r.syncs.Load(), r.ended.Load()))
			}
		}
		if len(short) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("readers missed TASK_ADDED: %v", short)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for i, r := range readers {
		if r.syncs.Load() != 1 {
			t.Fatalf("reader %d was reconnected", i)
		}
	}
}

// counter reads a connection in the background and counts messages by type,
// without decoding them: fifty of them must keep up with a fast stream.
type counter struct {
	added, syncs atomic.Int64
	ended        atomic.Bool
}

func count(t *testing.T, c *client.Conn) *counter {
	n := &counter{}
	go func() {
		defer n.ended.Store(true)
		for {
			_, raw, err := c.WebSocket().ReadMessage()
			if err != nil {
				return
			}
			head := raw[:min(len(raw), 40)]
			switch {
			case bytes.Contains(head, []byte(`"TASK_ADDED"`)):
				n.added.Add(1)
			case bytes.Contains(head, []byte(`"SYNC_ALL"`)):
				n.syncs.Add(1)
			}
		}
	}()
	return n
}

// dialSlow connects a client with a tiny receive buffer, so that the server
// notices at once when it stops reading.
func dialSlow(t *testing.T, h *enginetest.Daemon) *websocket.Conn {
	return dialWithBuffer(t, h, 4096)
}

func dialWithBuffer(t *testing.T, h *enginetest.Daemon, rcvbuf int) *websocket.Conn {
	d := websocket.Dialer{NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			c.(*net.TCPConn).SetReadBuffer(rcvbuf)
		}
		return c, err
	}}
	ws, _, err := d.Dial(strings.Replace(h.Srv.URL, "http", "ws", 1)+"/api/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return ws
}

func TestShutdownSends1001ToAll(t *testing.T) {
	h := enginetest.Start(t, nil)
	url := h.Origin.Add("/run", &enginetest.File{Data: enginetest.Bytes(4<<20, 1), Rate: 512 << 10})
	tk := h.Add(map[string]any{"url": url})
	h.WaitState(tk.ID, task.Downloading, 5*time.Second)
	var clients []*client.Conn
	for range 3 {
		clients = append(clients, dial(t, h, client.Options{}))
	}
	closed := make(chan struct{})
	var wg, attached sync.WaitGroup
	attached.Add(len(clients))
	go func() { attached.Wait(); h.Close(); close(closed) }() // once every client is attached
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mirror := client.NewMirror()
			c.WebSocket().SetReadDeadline(time.Now().Add(10 * time.Second))
			for {
				m, err := c.Read()
				if err != nil {
					if code := client.CloseCode(err); code != 1001 {
						t.Errorf("client %d closed with %d (%v), want 1001", i, code, err)
					}
					// The running download was re-queued, and the client told,
					// before the close.
					if st := mirror.Tasks[tk.ID].State; st != task.Queued {
						t.Errorf("client %d last saw the running download %s, want QUEUED", i, st)
					}
					return
				}
				mirror.Apply(m)
				if m.Type == "SYNC_ALL" {
					attached.Done()
				}
			}
		}()
	}
	wg.Wait()
	<-closed
}

func TestUpgradeRules(t *testing.T) {
	h := enginetest.Start(t, func(c *engine.Config) {
		c.Token = "tok"
		c.AllowedOrigins = []string{"https://ui.example"}
	})
	try := func(opts client.Options) error {
		opts.Server = h.Srv.URL
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c, err := client.Dial(ctx, opts)
		if err == nil {
			c.Close()
		}
		return err
	}
	if err := try(client.Options{}); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("no token: %v, want 401", err)
	}
	if err := try(client.Options{Token: "tok"}); err != nil {
		t.Errorf("token header: %v", err)
	}
	resp, err := http.Get(strings.Replace(h.Srv.URL, "http", "http", 1) + "/api/ws?token=tok&protocol=klingon")
	if err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown protocol: %v %v, want 400", resp.StatusCode, err)
	}
	if err := try(client.Options{Token: "tok", Origin: "https://evil.example"}); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("foreign origin: %v, want 403", err)
	}
	if err := try(client.Options{Token: "tok", Origin: "https://ui.example"}); err != nil {
		t.Errorf("allowed origin: %v", err)
	}
	if err := try(client.Options{Token: "tok", Origin: h.Srv.URL}); err != nil {
		t.Errorf("same-host origin: %v", err)
	}
	// ?token= works on the upgrade, where browsers cannot set headers.
	ws, _, err := websocket.DefaultDialer.Dial(strings.Replace(h.Srv.URL, "http", "ws", 1)+"/api/ws?token=tok", nil)
	if err != nil {
		t.Fatalf("?token=: %v", err)
	}
	ws.Close()
}

// A reader that is slow but keeps up gets every frame whole, though its
// socket is full most of the time and each frame goes out in pieces.
func TestSlowButSteadyReaderGetsEveryFrameWhole(t *testing.T) {
	h := enginetest.Start(t, nil)
	// Buffers far smaller than what is queued, but not so small that TCP on
	// loopback (64 KiB segments) stalls on a window below one segment.
	slow := dialWithBuffer(t, h, 128<<10)
	gate := make(chan struct{})
	t.Cleanup(func() { close(gate) })
	const n = 20
	for i := range n {
		meta := map[string]string{"blob": strings.Repeat(string(rune('a'+i)), 40<<10)}
		h.Add(map[string]any{"url": h.Origin.Add(fmt.Sprintf("/w%d", i), &enginetest.File{Data: []byte("x"), Gate: gate}), "meta": meta})
	}
	added := 0 // tasks seen, from SYNC_ALL (it may already hold the first) or TASK_ADDED
	check := func(raw json.RawMessage) {
		blob := fields(t, raw)["meta"].(map[string]any)["blob"].(string)
		if want := strings.Repeat(string(rune('a'+added)), 40<<10); blob != want {
			t.Fatalf("task %d out of order or damaged: %d bytes of %q…", added, len(blob), blob[:min(len(blob), 8)])
		}
		added++
	}
	slow.SetReadDeadline(time.Now().Add(time.Minute))
	for added < n {
		_, raw, err := slow.ReadMessage()
		if err != nil {
			t.Fatalf("after %d tasks: %v", added, err)
		}
		var m client.Message
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("a frame arrived broken: %v", err)
		}
		switch m.Type {
		case "SYNC_ALL":
			for _, tk := range m.Tasks {
				check(tk)
			}
		case "TASK_ADDED":
			check(m.Task)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestSyncAllOverTheQueueLimitStillArrives(t *testing.T) {
	h := enginetest.Start(t, func(c *engine.Config) { n := 1; c.Settings.MaxConcurrent = &n })
	h.Call("POST", "/api/downloads/pause-all", nil, nil)
	meta := map[string]string{"blob": strings.Repeat("s", 40<<10)}
	items := []map[string]any{}
	for i := range 30 { // 1.2 MB of tasks: past the 1 MiB queue in one frame
		items = append(items, map[string]any{"url": fmt.Sprintf("%s/none/%d", h.Origin.URL, i)})
	}
	var b struct {
		BatchID string `json:"batch_id"`
	}
	h.Call("POST", "/api/batches", map[string]any{"batch_name": "big", "meta": meta, "items": items}, &b)
	h.Call("POST", "/api/downloads/batch/"+b.BatchID+"/pause", nil, nil)
	c := dial(t, h, client.Options{})
	if m := next(t, c, 5*time.Second); m.Type != "SYNC_ALL" || len(m.Tasks) != 30 {
		t.Fatalf("first message %s with %d tasks, want SYNC_ALL with 30", m.Type, len(m.Tasks))
	}
}

func TestErrorsNeverOvertakeSyncAll(t *testing.T) {
	h := enginetest.Start(t, nil)
	for range 20 {
		c := dial(t, h, client.Options{})
		c.SendRaw([]byte("garbage at once"))
		if m := next(t, c, 5*time.Second); m.Type != "SYNC_ALL" {
			t.Fatalf("first message %s, want SYNC_ALL", m.Raw)
		}
		if m := next(t, c, 5*time.Second); m.Type != "ERROR" {
			t.Fatalf("second message %s, want the ERROR", m.Raw)
		}
		c.Close()
	}
}

func TestEveryStoredTaskIsInTheFirstSyncAllAfterARestart(t *testing.T) {
	h := enginetest.Start(t, nil)
	h.Call("POST", "/api/downloads/pause-all", nil, nil)
	items := []map[string]any{}
	for i := range 500 {
		items = append(items, map[string]any{"url": fmt.Sprintf("%s/stored/%d", h.Origin.URL, i)})
	}
	var b struct {
		BatchID string `json:"batch_id"`
	}
	h.Call("POST", "/api/batches", map[string]any{"batch_name": "stored", "items": items}, &b)
	h.Call("POST", "/api/downloads/batch/"+b.BatchID+"/pause", nil, nil)
	h.Reopen()
	c := dial(t, h, client.Options{}) // at once: the engine is open
	if m := next(t, c, 5*time.Second); m.Type != "SYNC_ALL" || len(m.Tasks) != 500 {
		t.Fatalf("first SYNC_ALL after a restart has %d tasks, want 500", len(m.Tasks))
	}
}

// The server pings; a client that answers stays, one that is silent past the
// limit is dropped. (Short limits stand in for PROTOCOL.md's 30 s and 60 s.)
func TestPingsKeepAnsweringClientsAndDropSilentOnes(t *testing.T) {
	var logs enginetest.Buffer
	h := enginetest.Start(t, func(c *engine.Config) {
		c.Logger = zerolog.New(&logs).Level(zerolog.InfoLevel)
		c.WS = wsconn.DefaultLimits()
		c.WS.PingEvery, c.WS.PongWait = 100*time.Millisecond, 400*time.Millisecond
	})
	answering := dial(t, h, client.Options{})
	silent := dialSlow(t, h) // never reads, so never answers a ping

	pings := 0
	answering.WebSocket().SetPingHandler(func(data string) error {
		pings++
		return answering.WebSocket().WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	deadline := time.Now().Add(1500 * time.Millisecond) // well past PongWait
	for time.Now().Before(deadline) {
		answering.WebSocket().SetReadDeadline(deadline)
		if _, err := answering.Read(); err != nil && time.Now().Before(deadline) {
			t.Fatalf("an answering client was dropped: %v", err)
		}
	}
	if pings < 3 {
		t.Fatalf("%d pings in 1.5 s at one per 100 ms", pings)
	}
	silent.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, _, err := silent.ReadMessage(); err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("the silent client was not dropped: %v", err)
			}
			break // the server hung up on it (a close, EOF, or a pong into a closed socket)
		}
	}
	// and says why, as for the other rules
	enginetest.Eventually(t, 5*time.Second, "the drop in the log", func() bool {
		return strings.Contains(logs.String(), `"message":"no pong: connection dropped"`)
	})
}

// Subscribing and unsubscribing one id in a loop would cost a SYNC_ALL of
// every task per unsubscribe: past a burst, those are refused with an error,
// and the connection stays.
func TestEmptyingTheSetInALoopIsLimited(t *testing.T) {
	h := enginetest.Start(t, nil)
	c := dial(t, h, client.Options{})
	nextOf(t, c, "SYNC_ALL", 2*time.Second)
	refused := 0
	for range 60 {
		c.Subscribe("x")
		nextOf(t, c, "SUBSCRIPTION_ACK", 5*time.Second)
		c.Unsubscribe("x")
		for {
			m := next(t, c, 5*time.Second)
			if m.Type == "ERROR" {
				if !strings.Contains(m.Message, "a second") {
					t.Fatalf("error %q", m.Message)
				}
				refused++
				break
			}
			if m.Type == "SUBSCRIPTION_ACK" && m.Action == "unsubscribed" {
				break
			}
		}
	}
	if refused == 0 {
		t.Fatal("60 unsubscribes that emptied the set in a row: none refused, want those past the burst of 10")
	}
	// Still open and answering.
	c.Subscribe("y")
	nextOf(t, c, "SUBSCRIPTION_ACK", 5*time.Second)
}
