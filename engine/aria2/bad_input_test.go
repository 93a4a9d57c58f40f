package aria2_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/fetchd/fetchd/engine/enginetest"
)

// Bad input gets aria2's own answer, and the daemon answers the next call.
func TestBadInputGetsAria2ErrorsAndTheDaemonStays(t *testing.T) {
	d := start(t, nil)
	u := d.Origin.Add("/x.bin", &enginetest.File{Data: []byte("x")})
	cases := []struct {
		name, body string
		status     int
		code       int
		message    string
	}{
		{"wrong token", `{"jsonrpc":"2.0","id":1,"method":"aria2.tellActive","params":["token:nope"]}`, 400, 1, "Unauthorized"},
		{"no token", `{"jsonrpc":"2.0","id":1,"method":"aria2.getGlobalStat"}`, 400, 1, "Unauthorized"},
		{"unknown gid", `{"jsonrpc":"2.0","id":1,"method":"aria2.tellStatus","params":["token:s3cret","0123456789abcdef"]}`, 400, 1, "GID 0123456789abcdef is not found"},
		{"malformed gid", `{"jsonrpc":"2.0","id":1,"method":"aria2.pause","params":["token:s3cret","zz"]}`, 400, 1, "Invalid GID zz"},
		{"gid of the wrong type", `{"jsonrpc":"2.0","id":1,"method":"aria2.tellStatus","params":["token:s3cret",7]}`, 400, 1, "The parameter at 0 has wrong type."},
		{"malformed body", `{"jsonrpc":"2.0","id":1,"method":`, 500, -32700, "Parse error."},
		{"not an object", `5`, 400, -32600, "Invalid Request."},
		{"no method", `{"jsonrpc":"2.0","id":1}`, 400, -32600, "Invalid Request."},
		{"params not a list", `{"jsonrpc":"2.0","id":1,"method":"aria2.getVersion","params":{}}`, 500, -32602, "Invalid params."},
		{"unknown method", `{"jsonrpc":"2.0","id":1,"method":"aria2.nope","params":["token:s3cret"]}`, 400, 1, "No such method: aria2.nope"},
		{"out with ../", `{"jsonrpc":"2.0","id":1,"method":"aria2.addUri","params":["token:s3cret",["` + u + `"],{"out":"../escape.bin"}]}`, 400, 1, "We encountered a problem while processing the option '--out'."},
		{"dir outside the download dir", `{"jsonrpc":"2.0","id":1,"method":"aria2.addUri","params":["token:s3cret",["` + u + `"],{"dir":"/etc"}]}`, 400, 1, "We encountered a problem while processing the option '--dir'."},
		{"relative dir that climbs out", `{"jsonrpc":"2.0","id":1,"method":"aria2.addUri","params":["token:s3cret",["` + u + `"],{"dir":"a/../../b"}]}`, 400, 1, "We encountered a problem while processing the option '--dir'."},
		{"no URI", `{"jsonrpc":"2.0","id":1,"method":"aria2.addUri","params":["token:s3cret",[]]}`, 400, 1, "URI is not provided."},
		{"magnet link", `{"jsonrpc":"2.0","id":1,"method":"aria2.addUri","params":["token:s3cret",["magnet:?xt=urn:btih:abc"]]}`, 400, 1, "invalid request: url must be http or https"},
		{"checksum fetchd cannot check", `{"jsonrpc":"2.0","id":1,"method":"aria2.addUri","params":["token:s3cret",["` + u + `"],{"checksum":"md5=d41d8cd98f00b204e9800998ecf8427e"}]}`, 400, 1, "fetchd checks sha-256 only"},
		{"torrent", `{"jsonrpc":"2.0","id":1,"method":"aria2.addTorrent","params":["token:s3cret","ZGF0YQ=="]}`, 400, 1, "aria2.addTorrent is not supported"},
		{"metalink", `{"jsonrpc":"2.0","id":1,"method":"aria2.addMetalink","params":["token:s3cret","ZGF0YQ=="]}`, 400, 1, "aria2.addMetalink is not supported"},
		{"nested multicall", `{"jsonrpc":"2.0","id":1,"method":"system.multicall","params":[[{"methodName":"system.multicall","params":[[]]}]]}`, 200, 0, ""},
	}
	for _, c := range cases {
		status, raw := post(t, d, c.body)
		var a answer
		if err := json.Unmarshal(raw, &a); err != nil {
			t.Fatalf("%s: answer %q: %v", c.name, raw, err)
		}
		if status != c.status {
			t.Errorf("%s: HTTP %d, want %d (%s)", c.name, status, c.status, raw)
		}
		if c.code != 0 && (a.Error == nil || a.Error.Code != c.code || !strings.Contains(a.Error.Message, c.message)) {
			t.Errorf("%s: answer %s, want code %d and %q", c.name, raw, c.code, c.message)
		}
		if a.JSONRPC != "2.0" {
			t.Errorf("%s: jsonrpc %q", c.name, a.JSONRPC)
		}
		var v map[string]any
		result(t, d, &v, "aria2.getVersion")
	}
	if entries, _ := filepath.Glob(filepath.Join(filepath.Dir(d.Cfg.DownloadDir), "escape*")); len(entries) > 0 {
		t.Fatalf("a file escaped the download dir: %v", entries)
	}
	var stat map[string]string
	result(t, d, &stat, "aria2.getGlobalStat")
	if stat["numActive"]+stat["numWaiting"]+stat["numStopped"] != "000" {
		t.Fatalf("refused calls made tasks: %v", stat)
	}
}

// A batch of 10,000 calls is answered call for call, in order, over HTTP
// and over the WebSocket, which stays open.
func TestTenThousandCallsInOneBatch(t *testing.T) {
	d := start(t, nil)
	var b strings.Builder
	b.WriteByte('[')
	for i := range 10000 {
		if i > 0 {
			b.WriteByte(',')
		}
		method := "aria2.getVersion"
		if i%2 == 1 {
			method = "aria2.tellStatus" // unknown gid: an error in its place
		}
		fmt.Fprintf(&b, `{"jsonrpc":"2.0","id":%d,"method":%q,"params":["token:s3cret","0000000000000000"]}`, i, method)
	}
	b.WriteByte(']')
	check := func(how string, raw []byte) {
		var answers []answer
		if err := json.Unmarshal(raw, &answers); err != nil {
			t.Fatalf("%s: %v", how, err)
		}
		if len(answers) != 10000 {
			t.Fatalf("%s: %d answers", how, len(answers))
		}
		for i, a := range answers {
			if string(a.ID) != fmt.Sprint(i) || (i%2 == 1) != (a.Error != nil) {
				t.Fatalf("%s: answer %d: %+v", how, i, a)
			}
		}
	}
	status, raw := post(t, d, b.String())
	if status != http.StatusOK {
		t.Fatalf("HTTP %d", status)
	}
	check("HTTP", raw)
	ws := dialRPC(t, d, nil)
	if err := ws.WriteMessage(websocket.TextMessage, []byte(b.String())); err != nil {
		t.Fatal(err)
	}
	_, raw, err := ws.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	check("WebSocket", raw)
	ws.WriteMessage(websocket.TextMessage, []byte(`{"id":"after","method":"aria2.getVersion","params":["token:s3cret"]}`))
	if m := readJSON(t, ws); m["id"] != "after" || m["result"] == nil {
		t.Fatalf("after the batch: %v", m)
	}
}

// The WebSocket answers garbage with aria2's errors and stays open.
func TestWebSocketSurvivesGarbage(t *testing.T) {
	d := start(t, nil)
	ws := dialRPC(t, d, nil)
	for _, msg := range []string{"not json", `{"id":1}`, `[]`, `{"id":2,"method":"aria2.tellStatus","params":["token:bad","0000000000000000"]}`} {
		ws.WriteMessage(websocket.TextMessage, []byte(msg))
		if msg == "[]" {
			ws.SetReadDeadline(timeIn(t))
			if _, raw, err := ws.ReadMessage(); err != nil || string(raw) != "[]" {
				t.Fatalf("empty batch: %q %v", raw, err)
			}
			continue
		}
		if m := readJSON(t, ws); m["error"] == nil {
			t.Fatalf("%q answered %v", msg, m)
		}
	}
	ws.WriteMessage(websocket.BinaryMessage, []byte{0xff})
	if m := readJSON(t, ws); m["error"] == nil {
		t.Fatalf("a binary message answered %v", m)
	}
	ws.WriteMessage(websocket.TextMessage, []byte(`{"jsonrpc":"2.0","id":-1,"method":"aria2.getVersion","params":["token:s3cret"]}`))
	if m := readJSON(t, ws); m["id"] != -1.0 || m["result"] == nil {
		t.Fatalf("aria2p's id -1: %v", m)
	}
}
