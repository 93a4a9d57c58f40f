package aria2_test

import (
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/rs/zerolog"

	"github.com/fetchd/fetchd/engine"
	"github.com/fetchd/fetchd/engine/enginetest"
)

const version = `{"jsonrpc":"2.0","id":1,"method":"aria2.getVersion","params":["token:s3cret"]}`

// Without a token, only the daemon's own page and the allowed origins (an
// extension's) may drive /jsonrpc from a browser; a cross-site page gets
// nothing, by POST, by a GET an <img> could send, or by WebSocket.
func TestBrowserOriginsWithoutAToken(t *testing.T) {
	ext := "chrome-extension://abcdefghijklmnop"
	d := enginetest.Start(t, func(c *engine.Config) { c.AllowedOrigins = []string{ext} })
	body := `{"jsonrpc":"2.0","id":1,"method":"aria2.addUri","params":[["` + d.Origin.Add("/x", &enginetest.File{Data: []byte("x")}) + `"]]}`
	if code, raw := post(t, d, body, "Origin", "http://evil.example"); code != http.StatusForbidden {
		t.Fatalf("cross-site POST: %d %s", code, raw)
	}
	if code, raw := post(t, d, body, "Origin", "http://evil.example", "Content-Type", "text/plain"); code != http.StatusForbidden {
		t.Fatalf("cross-site text/plain POST: %d %s", code, raw)
	}
	params := base64.StdEncoding.EncodeToString([]byte(`[["http://127.0.0.1:1/x"]]`))
	req, _ := http.NewRequest("GET", d.Srv.URL+"/jsonrpc?method=aria2.addUri&id=1&params="+params, nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site GET: %d", resp.StatusCode)
	}
	ws := strings.Replace(d.Srv.URL, "http", "ws", 1) + "/jsonrpc"
	if c, resp, err := websocket.DefaultDialer.Dial(ws, http.Header{"Origin": {"http://evil.example"}}); err == nil {
		c.Close()
		t.Fatal("a cross-site page opened the aria2 WebSocket")
	} else if resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site WebSocket: %v", err)
	}
	var stat map[string]string
	d.Auth = ""
	code, raw := post(t, d, `{"jsonrpc":"2.0","id":1,"method":"aria2.getGlobalStat"}`)
	if code != http.StatusOK || !strings.Contains(string(raw), `"numWaiting":"0"`) || !strings.Contains(string(raw), `"numActive":"0"`) {
		t.Fatalf("refused calls made tasks: %s %v", raw, stat)
	}
	// The extension's origin is let in, and told so in CORS terms.
	code, raw = post(t, d, `{"jsonrpc":"2.0","id":1,"method":"aria2.getVersion"}`, "Origin", ext)
	if code != http.StatusOK {
		t.Fatalf("allowed origin: %d %s", code, raw)
	}
	pre, _ := http.NewRequest("OPTIONS", d.Srv.URL+"/jsonrpc", nil)
	pre.Header.Set("Origin", ext)
	pre.Header.Set("Access-Control-Request-Method", "POST")
	pre.Header.Set("Access-Control-Request-Headers", "content-type")
	resp, err = http.DefaultClient.Do(pre)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Access-Control-Allow-Origin") != ext || !strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "POST") || resp.Header.Get("Access-Control-Allow-Headers") != "content-type" {
		t.Fatalf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	c, _, err := websocket.DefaultDialer.Dial(ws, http.Header{"Origin": {ext}})
	if err != nil {
		t.Fatalf("the extension's WebSocket: %v", err)
	}
	c.Close()
}

// With a token, the token is the protection, as with aria2's --rpc-secret:
// a page anywhere (AriaNg as a static page) that knows it may call, and one
// that does not gets "Unauthorized".
func TestBrowserOriginsWithAToken(t *testing.T) {
	d := start(t, nil)
	code, raw := post(t, d, `{"jsonrpc":"2.0","id":1,"method":"aria2.tellActive"}`, "Origin", "http://ariang.example")
	if code != http.StatusBadRequest || !strings.Contains(string(raw), "Unauthorized") {
		t.Fatalf("no token: %d %s", code, raw)
	}
	req, _ := http.NewRequest("POST", d.Srv.URL+"/jsonrpc", strings.NewReader(version))
	req.Header.Set("Origin", "http://ariang.example")
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Access-Control-Allow-Origin") != "http://ariang.example" {
		t.Fatalf("with the token: %d %v", resp.StatusCode, resp.Header)
	}
	// The REST API's bearer token is not aria2's: /jsonrpc wants "token:".
	code, _ = post(t, d, `{"jsonrpc":"2.0","id":1,"method":"aria2.tellActive"}`, "Authorization", "Bearer "+secret)
	if code != http.StatusBadRequest {
		t.Fatalf("a bearer token stood in for aria2's: %d", code)
	}
}

// A name other than an IP or localhost is refused, as everywhere on the
// daemon: that is DNS rebinding.
func TestRebindingHostIsRefused(t *testing.T) {
	d := start(t, nil)
	code, _ := post(t, d, version, "Host", "rebind.example")
	if code != http.StatusMisdirectedRequest {
		t.Fatalf("Host rebind.example: %d", code)
	}
}

// A GET call carries its "token:" in base64 in the query: the access log
// shows the query without it.
func TestGETCallKeepsItsTokenOutOfTheLog(t *testing.T) {
	var logs enginetest.Buffer
	d := start(t, func(c *engine.Config) { c.Logger = zerolog.New(&logs).Level(zerolog.InfoLevel) })
	params := base64.StdEncoding.EncodeToString([]byte(`["token:` + secret + `"]`))
	resp, err := http.Get(d.Srv.URL + "/jsonrpc?method=aria2.getVersion&id=7&params=" + params)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(raw), `"id":"7"`) || !strings.Contains(string(raw), `"version"`) {
		t.Fatalf("GET call: %d %s", resp.StatusCode, raw)
	}
	enginetest.Eventually(t, 5*time.Second, "the access line of the GET call", func() bool {
		return strings.Contains(logs.String(), `"query":"method=aria2.getVersion&id=7&params=<redacted>"`)
	})
	if strings.Contains(logs.String(), params) || strings.Contains(logs.String(), secret) {
		t.Fatal("the log holds the token")
	}
}
