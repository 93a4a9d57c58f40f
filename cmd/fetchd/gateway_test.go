package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/engine/task"
	"github.com/fetchd/fetchd/wsconn/client"
)

// An engine and two gateways as the user runs them: three processes on
// loopback, the engine's embedded NATS between them.
func TestGatewaysAsProcesses(t *testing.T) {
	bin := buildDaemon(t)
	natsAddr := freeAddr(t)
	a := startGateway(t, bin, natsAddr)
	if got := statusOf(t, a.base); got != 503 {
		t.Fatalf("a gateway without an engine answers health %d, want 503", got)
	}
	d := startDaemon(t, bin, t.TempDir(), "--nats-listen", natsAddr)
	a.healthy() // it waited for the engine
	b := startGateway(t, bin, natsAddr)
	b.healthy()

	onEngine, onA, onB := follow(t, d.base, ""), follow(t, a.base, ""), follow(t, b.base, "")
	origin := enginetest.NewOrigin(t)
	var ids []string
	for i := range 4 {
		url := origin.Add(fmt.Sprintf("/f%d", i), &enginetest.File{Data: enginetest.Bytes(192<<10, uint64(i)), Rate: 96 << 10})
		ids = append(ids, d.add(url).ID)
	}
	enginetest.Eventually(t, 10*time.Second, "progress on gateway A", func() bool { return onA.count("TASK_BATCH_UPDATE") >= 2 })

	// kill -9 of gateway A: its client resumes on B, without a SYNC_ALL.
	a.cmd.Process.Kill()
	<-onA.done
	at := onA.position()
	moved := followFrom(t, b.base, at.Since(), onA.mirror) // the same client, continued
	first := moved.first(t)
	if first.Type == "SYNC_ALL" || first.Seq != at.Seq+1 {
		t.Fatalf("resuming on B after seq %d: first message %s seq %d, want seq %d and no SYNC_ALL", at.Seq, first.Type, first.Seq, at.Seq+1)
	}

	for _, id := range ids {
		enginetest.Eventually(t, 30*time.Second, "task "+id+" to complete", func() bool { return d.getTask(id).State == task.Completed })
	}
	want := restTasks(t, d.base)
	for name, w := range map[string]*follower{"engine": onEngine, "gateway B": onB, "moved to B": moved} {
		enginetest.Eventually(t, 10*time.Second, name+"'s client to converge with REST", func() bool { return w.canonical() == want })
	}
	// The same message at the same seq, byte for byte.
	byEngine := onEngine.bySeq()
	compared := 0
	for seq, raw := range onB.bySeq() {
		if e, ok := byEngine[seq]; ok {
			if !bytes.Equal(raw, e) {
				t.Fatalf("seq %d: gateway %q, engine %q", seq, raw, e)
			}
			compared++
		}
	}
	if compared < 5 {
		t.Fatalf("only %d messages to compare", compared)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

type gatewayProc struct {
	t    *testing.T
	cmd  *exec.Cmd
	base string
	logs *bytes.Buffer
}

func startGateway(t *testing.T, bin, natsAddr string) *gatewayProc {
	t.Helper()
	addr := freeAddr(t)
	g := &gatewayProc{t: t, base: "http://" + addr, logs: &bytes.Buffer{}}
	g.cmd = exec.Command(bin, "gateway", "--nats", "nats://"+natsAddr, "--addr", addr)
	g.cmd.Stdout, g.cmd.Stderr = g.logs, g.logs
	if err := g.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.cmd.Process.Kill(); g.cmd.Wait() })
	enginetest.Eventually(t, 20*time.Second, "the gateway to answer", func() bool { return statusOf(t, g.base) != 0 })
	return g
}

func (g *gatewayProc) healthy() {
	g.t.Helper()
	enginetest.Eventually(g.t, 30*time.Second, "the gateway to follow the engine", func() bool { return statusOf(g.t, g.base) == 200 })
}

// statusOf is /api/health's status, 0 when nothing answers.
func statusOf(t *testing.T, base string) int {
	resp, err := http.Get(base + "/api/health")
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// follower reads one connection into a mirror, a position and the raw
// messages by seq.
type follower struct {
	mu     sync.Mutex
	mirror *client.Mirror
	at     client.Position
	log    []client.Message
	done   chan struct{}
}

func follow(t *testing.T, base, since string) *follower {
	t.Helper()
	return followFrom(t, base, since, client.NewMirror())
}

// followFrom continues a mirror: a client that resumes elsewhere.
func followFrom(t *testing.T, base, since string, mirror *client.Mirror) *follower {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, client.Options{Server: base, Since: since})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	w := &follower{mirror: mirror, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for {
			m, err := c.Read()
			if err != nil {
				return
			}
			w.mu.Lock()
			w.log = append(w.log, m)
			if err := w.mirror.Apply(m); err != nil {
				t.Errorf("apply %s: %v", m.Raw, err)
			}
			w.at.Advance(m)
			w.mu.Unlock()
		}
	}()
	return w
}

func (w *follower) count(typ string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, m := range w.log {
		if m.Type == typ {
			n++
		}
	}
	return n
}

func (w *follower) position() client.Position {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.at
}

func (w *follower) first(t *testing.T) client.Message {
	var m client.Message
	enginetest.Eventually(t, 10*time.Second, "a first message", func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		if len(w.log) > 0 {
			m = w.log[0]
		}
		return len(w.log) > 0
	})
	return m
}

func (w *follower) canonical() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	raw, _ := json.Marshal(w.mirror.Tasks)
	return string(raw)
}

func (w *follower) bySeq() map[uint64][]byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := map[uint64][]byte{}
	for _, m := range w.log {
		if m.Type != "SYNC_ALL" {
			out[m.Seq] = m.Raw
		}
	}
	return out
}

func restTasks(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/api/downloads?limit=1000")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct{ Downloads []task.Task }
	json.NewDecoder(resp.Body).Decode(&page)
	out := map[string]task.Task{}
	for _, tk := range page.Downloads {
		out[tk.ID] = tk
	}
	raw, _ := json.Marshal(out)
	return string(raw)
}
