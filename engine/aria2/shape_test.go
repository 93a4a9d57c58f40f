//go:build unix

package aria2_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/fetchd/fetchd/engine/enginetest"
)

// peer is a JSON-RPC server under comparison: fetchd or a real aria2c.
type peer struct {
	t     *testing.T
	name  string
	url   string
	token string // its own, so that no other process can pass for it
}

// step is one answer of the script, decoded.
type step struct {
	name   string
	status int
	body   any
}

// raw sends a body and decodes the answer.
func (p *peer) raw(body string) (int, any) {
	p.t.Helper()
	resp, err := http.Post(p.url, "application/json", strings.NewReader(body))
	if err != nil {
		p.t.Fatalf("%s: %v", p.name, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		p.t.Fatalf("%s: answer %q: %v", p.name, b, err)
	}
	return resp.StatusCode, v
}

func (p *peer) call(method string, params ...any) (int, any) {
	p.t.Helper()
	b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": "s", "method": method, "params": append([]any{"token:" + p.token}, params...)})
	return p.raw(string(b))
}

func (p *peer) result(method string, params ...any) any {
	p.t.Helper()
	_, v := p.call(method, params...)
	r, ok := v.(map[string]any)["result"]
	if !ok {
		p.t.Fatalf("%s: %s %v: %v", p.name, method, params, v)
	}
	return r
}

func (p *peer) waitStatus(gid, want string) {
	p.t.Helper()
	enginetest.Eventually(p.t, 20*time.Second, p.name+" "+gid+" to be "+want, func() bool {
		st := p.result("aria2.tellStatus", gid, []string{"status"})
		return st.(map[string]any)["status"] == want
	})
}

// script makes the same calls of a peer that a client like AriaNg or aria2p
// makes, and records every answer.
func script(p *peer, slowURL, fastURL, missingURL string) []step {
	var steps []step
	rec := func(name string, status int, body any) { steps = append(steps, step{name, status, body}) }
	call := func(name, method string, params ...any) {
		p.t.Helper()
		status, v := p.call(method, params...)
		rec(name, status, v)
	}
	call("getVersion", "aria2.getVersion")
	call("getSessionInfo", "aria2.getSessionInfo")
	call("getGlobalStat idle", "aria2.getGlobalStat")
	call("getGlobalOption", "aria2.getGlobalOption")
	call("changeGlobalOption", "aria2.changeGlobalOption", map[string]string{"max-concurrent-downloads": "5"})
	call("listNotifications", "system.listNotifications")

	fast := p.result("aria2.addUri", []string{fastURL}).(string)
	p.waitStatus(fast, "complete")
	call("tellStatus complete", "aria2.tellStatus", fast)
	call("tellStatus keys", "aria2.tellStatus", fast, []string{"gid", "status", "totalLength"})
	call("getFiles", "aria2.getFiles", fast)
	call("getUris", "aria2.getUris", fast)
	call("getPeers", "aria2.getPeers", fast)

	slow := p.result("aria2.addUri", []string{slowURL}).(string)
	p.waitStatus(slow, "active")
	enginetest.Eventually(p.t, 20*time.Second, p.name+" to know the slow file's size", func() bool {
		st := p.result("aria2.tellStatus", slow, []string{"totalLength"})
		return st.(map[string]any)["totalLength"] != "0"
	})
	call("tellActive", "aria2.tellActive")
	call("getServers", "aria2.getServers", slow)
	call("getUris active", "aria2.getUris", slow)
	call("getPeers active", "aria2.getPeers", slow)
	call("pause", "aria2.pause", slow)
	p.waitStatus(slow, "paused")
	call("tellWaiting", "aria2.tellWaiting", 0, 10)
	call("tellWaiting negative", "aria2.tellWaiting", -1, 1)
	call("unpause", "aria2.unpause", slow)
	call("remove", "aria2.remove", slow)
	p.waitStatus(slow, "removed")
	call("tellStatus removed", "aria2.tellStatus", slow)

	missing := p.result("aria2.addUri", []string{missingURL}).(string)
	p.waitStatus(missing, "error")
	call("tellStatus error", "aria2.tellStatus", missing)
	call("tellStopped", "aria2.tellStopped", 0, 10)
	call("getGlobalStat", "aria2.getGlobalStat")
	multicall, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": "m", "method": "system.multicall", "params": []any{[]map[string]any{
		{"methodName": "aria2.tellStatus", "params": []any{"token:" + p.token, fast, []string{"status"}}},
		{"methodName": "aria2.getVersion", "params": []any{"token:" + p.token}},
		{"methodName": "aria2.tellStatus", "params": []any{"token:" + p.token, "0000000000000000"}},
	}}})
	status, v := p.raw(string(multicall))
	rec("multicall", status, v)
	call("unknown gid", "aria2.tellStatus", "0000000000000000")
	call("invalid gid", "aria2.tellStatus", "zz")
	call("wrong type", "aria2.tellStatus", 7)
	call("unknown method", "aria2.nope")
	call("removeDownloadResult", "aria2.removeDownloadResult", fast)
	call("purgeDownloadResult", "aria2.purgeDownloadResult")
	call("tellStopped purged", "aria2.tellStopped", 0, 10)
	for _, body := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"aria2.getVersion","params":["token:wrong"]}`,
		`{"json-rpc":"2.0","id":-1,"method":"aria2.getVersion","params":["token:` + p.token + `"]}`,
		`{"jsonrpc":"2.0","id":1,"method":`,
		`{"jsonrpc":"2.0","id":1}`,
		`{"jsonrpc":"2.0","id":1,"method":"aria2.getVersion","params":{}}`,
		`[{"jsonrpc":"2.0","id":1,"method":"aria2.getGlobalStat","params":["token:` + p.token + `"]},{"jsonrpc":"2.0","id":2,"method":"aria2.tellActive","params":["token:wrong"]}]`,
		`[]`,
	} {
		status, v := p.raw(body)
		rec("raw "+body, status, v)
	}
	return steps
}

// subsetSteps answer with some of aria2's keys, not all: aria2 has options
// and methods that fetchd has no use for.
var subsetSteps = map[string]bool{"getGlobalOption": true}

// sameErrorMessage are the steps whose error text is aria2's own.
var sameErrorMessage = map[string]bool{"unknown gid": true, "invalid gid": true, "wrong type": true, "unknown method": true}

// shapeDiff compares the shape of fetchd's answer with aria2c's: the same
// keys (fetchd's a subset where subset), and every value of the same JSON
// type; lists compare their first items.
func shapeDiff(path string, want, got any, subset bool) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: aria2c has an object, fetchd %T", path, got)}
		}
		var diffs []string
		for k, wv := range w {
			gv, has := g[k]
			if !has {
				if !subset {
					diffs = append(diffs, fmt.Sprintf("%s.%s: fetchd lacks it", path, k))
				}
				continue
			}
			diffs = append(diffs, shapeDiff(path+"."+k, wv, gv, subset)...)
		}
		for k := range g {
			if _, has := w[k]; !has {
				diffs = append(diffs, fmt.Sprintf("%s.%s: aria2c has no such key", path, k))
			}
		}
		sort.Strings(diffs)
		return diffs
	case []any:
		g, ok := got.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: aria2c has a list, fetchd %T", path, got)}
		}
		if len(w) > 0 && len(g) > 0 {
			return shapeDiff(path+"[0]", w[0], g[0], subset)
		}
		if (len(w) == 0) != (len(g) == 0) {
			return []string{fmt.Sprintf("%s: aria2c has %d items, fetchd %d", path, len(w), len(g))}
		}
		return nil
	default:
		if fmt.Sprintf("%T", want) != fmt.Sprintf("%T", got) {
			return []string{fmt.Sprintf("%s: aria2c has %T %v, fetchd %T %v", path, want, want, got, got)}
		}
		return nil
	}
}

// startAria2c runs a real aria2c with its RPC on a free loopback port. A
// port is free when it is picked, but another process may take it before
// aria2c binds it: then aria2c exits, and another port is tried.
func startAria2c(t *testing.T) *peer {
	bin := enginetest.Aria2c(t)
	for range 5 {
		if p := tryAria2c(t, bin); p != nil {
			return p
		}
	}
	t.Fatal("aria2c did not start on any of 5 free ports")
	return nil
}

func tryAria2c(t *testing.T, bin string) *peer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	var logs bytes.Buffer
	token := fmt.Sprintf("%s-%d-%d", secret, port, time.Now().UnixNano())
	cmd := exec.Command(bin, "--enable-rpc", "--rpc-listen-port="+strconv.Itoa(port), "--rpc-secret="+token,
		"--dir="+t.TempDir(), "--no-conf", "--quiet", "--max-tries=1", "--retry-wait=0", "--max-file-not-found=1")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-exited })
	p := &peer{t: t, name: "aria2c", url: fmt.Sprintf("http://127.0.0.1:%d/jsonrpc", port), token: token}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			t.Logf("aria2c on port %d exited: %s", port, logs.String())
			return nil
		default:
		}
		// Only this aria2c knows its secret: whatever else holds the port
		// does not answer this.
		resp, err := http.Post(p.url, "application/json", strings.NewReader(`{"id":1,"method":"aria2.getVersion","params":["token:`+token+`"]}`))
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(b), `"version"`) {
				return p
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("aria2c did not answer on port %d: %s", port, logs.String())
	return nil
}

// The same calls to a real aria2c and to fetchd get answers of the same
// shape: the same keys, every value of the same JSON type (numbers as
// strings), the same HTTP status, the same error codes.
func TestAnswersHaveAria2csShape(t *testing.T) {
	aria := startAria2c(t)
	d := start(t, nil)
	fetchd := &peer{t: t, name: "fetchd", url: d.Srv.URL + "/jsonrpc", token: secret}
	// Each peer downloads its own copies from the one loopback origin.
	run := func(p *peer, prefix string) []step {
		return script(p,
			d.Origin.Add(prefix+"/slow.bin", &enginetest.File{Data: enginetest.Bytes(4<<20, 2), Rate: 64 << 10}),
			d.Origin.Add(prefix+"/fast.bin", &enginetest.File{Data: enginetest.Bytes(3<<20, 1)}),
			d.Origin.Add(prefix+"/missing.bin", &enginetest.File{Faults: slices.Repeat([]int{404}, 100)}))
	}
	want := run(aria, "/a")
	got := run(fetchd, "/f")
	for i := range want {
		w, g := want[i], got[i]
		if w.status != g.status {
			t.Errorf("%s: HTTP %d from aria2c, %d from fetchd", w.name, w.status, g.status)
		}
		for _, diff := range shapeDiff(w.name, w.body, g.body, subsetSteps[w.name]) {
			t.Error(diff)
		}
		wm, _ := w.body.(map[string]any)
		gm, _ := g.body.(map[string]any)
		we, _ := wm["error"].(map[string]any)
		ge, _ := gm["error"].(map[string]any)
		if we != nil && ge != nil && (we["code"] != ge["code"] || sameErrorMessage[w.name] && we["message"] != ge["message"]) {
			t.Errorf("%s: aria2c says %v, fetchd %v", w.name, we, ge)
		}
	}
	t.Logf("%d answers compared", len(want))
}

// notificationsOf adds a download over a peer's WebSocket and returns every
// message up to its onDownloadComplete: the call's answer first, then the
// notifications in order. (fetchd may send onDownloadStart before the
// answer: the call and the stream are two sources.)
func notificationsOf(t *testing.T, wsURL, token, fileURL string) []any {
	ws, _, err := websocket.DefaultDialer.Dial(wsURL, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", wsURL, err)
	}
	defer ws.Close()
	call, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": "add", "method": "aria2.addUri", "params": []any{"token:" + token, []string{fileURL}}})
	ws.WriteMessage(websocket.TextMessage, call)
	var got []any
	answered, completed := false, false
	for {
		ws.SetReadDeadline(time.Now().Add(20 * time.Second))
		_, raw, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("%s: %v after %v", wsURL, err, got)
		}
		var m map[string]any
		json.Unmarshal(raw, &m)
		if m["id"] == "add" {
			got, answered = append([]any{m}, got...), true
		} else {
			got = append(got, m)
		}
		completed = completed || m["method"] == "aria2.onDownloadComplete"
		if answered && completed {
			return got
		}
	}
}

// Over the WebSocket, aria2c and fetchd answer and notify alike: the same
// messages in the same order, each of the same shape.
func TestNotificationsHaveAria2csShape(t *testing.T) {
	aria := startAria2c(t)
	d := start(t, nil)
	want := notificationsOf(t, strings.Replace(aria.url, "http", "ws", 1), aria.token, d.Origin.Add("/a/n.bin", &enginetest.File{Data: enginetest.Bytes(1<<20, 5)}))
	got := notificationsOf(t, strings.Replace(d.Srv.URL, "http", "ws", 1)+"/jsonrpc", secret, d.Origin.Add("/f/n.bin", &enginetest.File{Data: enginetest.Bytes(1<<20, 5)}))
	if len(want) != len(got) {
		t.Fatalf("aria2c sent %v, fetchd %v", want, got)
	}
	for i := range want {
		w, g := want[i].(map[string]any), got[i].(map[string]any)
		if w["method"] != g["method"] {
			t.Errorf("message %d: aria2c %v, fetchd %v", i, w, g)
		}
		for _, diff := range shapeDiff(fmt.Sprint("message ", i), w, g, false) {
			t.Error(diff)
		}
	}
}
