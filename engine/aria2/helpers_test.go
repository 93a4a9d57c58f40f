package aria2_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/fetchd/fetchd/engine"
	"github.com/fetchd/fetchd/engine/enginetest"
)

const secret = "s3cret"

// rpcErr is a JSON-RPC error answer.
type rpcErr struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// answer is one JSON-RPC response.
type answer struct {
	ID      json.RawMessage `json:"id"`
	JSONRPC string          `json:"jsonrpc"`
	Result  json.RawMessage `json:"result"`
	Error   *rpcErr         `json:"error"`
}

// start opens a daemon with a token, as a user of aria2 clients runs it.
func start(t *testing.T, tweak func(*engine.Config)) *enginetest.Daemon {
	return enginetest.Start(t, func(c *engine.Config) {
		c.Token = secret
		if tweak != nil {
			tweak(c)
		}
	})
}

// post sends a raw body to /jsonrpc and returns the status and the body.
func post(t *testing.T, d *enginetest.Daemon, body string, header ...string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest("POST", d.Srv.URL+"/jsonrpc", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if h := req.Header.Get("Host"); h != "" {
		req.Host = h
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// call makes one call with the token and returns its answer.
func call(t *testing.T, d *enginetest.Daemon, method string, params ...any) answer {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": "q", "method": method, "params": append([]any{"token:" + secret}, params...)})
	_, raw := post(t, d, string(body))
	var a answer
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatalf("%s: answer %q: %v", method, raw, err)
	}
	return a
}

// result makes a call that must succeed and decodes its result into out.
func result(t *testing.T, d *enginetest.Daemon, out any, method string, params ...any) {
	t.Helper()
	a := call(t, d, method, params...)
	if a.Error != nil {
		t.Fatalf("%s %v: error %+v", method, params, *a.Error)
	}
	if out != nil {
		if err := json.Unmarshal(a.Result, out); err != nil {
			t.Fatalf("%s: result %s: %v", method, a.Result, err)
		}
	}
}

// failure makes a call that must fail and returns its error.
func failure(t *testing.T, d *enginetest.Daemon, method string, params ...any) rpcErr {
	t.Helper()
	a := call(t, d, method, params...)
	if a.Error == nil {
		t.Fatalf("%s %v: want an error, got %s", method, params, a.Result)
	}
	return *a.Error
}

// status reads one field of a download's status.
func status(t *testing.T, d *enginetest.Daemon, gid, key string) string {
	t.Helper()
	var st map[string]any
	result(t, d, &st, "aria2.tellStatus", gid, []string{key})
	s, _ := st[key].(string)
	return s
}

// waitStatus polls until the download's aria2 status is want.
func waitStatus(t *testing.T, d *enginetest.Daemon, gid, want string) {
	t.Helper()
	enginetest.Eventually(t, 10*time.Second, "gid "+gid+" to be "+want, func() bool {
		return status(t, d, gid, "status") == want
	})
}

// dialRPC opens the aria2 WebSocket.
func dialRPC(t *testing.T, d *enginetest.Daemon, header http.Header) *websocket.Conn {
	t.Helper()
	ws, resp, err := websocket.DefaultDialer.Dial(strings.Replace(d.Srv.URL, "http", "ws", 1)+"/jsonrpc", header)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial /jsonrpc: %v (status %d)", err, status)
	}
	t.Cleanup(func() { ws.Close() })
	return ws
}

// readJSON reads the next message of a socket into a map.
func readJSON(t *testing.T, ws *websocket.Conn) map[string]any {
	t.Helper()
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, raw, err := ws.ReadMessage()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(bytes.TrimSpace(raw), &m); err != nil {
		t.Fatalf("message %q: %v", raw, err)
	}
	return m
}

func timeIn(t *testing.T) time.Time {
	t.Helper()
	return time.Now().Add(10 * time.Second)
}
