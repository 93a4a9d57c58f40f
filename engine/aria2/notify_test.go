package aria2_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/fetchd/fetchd/engine/enginetest"
)

// wsCall sends a call on the socket and returns its answer, keeping the
// notifications that came before it.
func wsCall(t *testing.T, ws *websocket.Conn, seen *[]map[string]any, method string, params ...any) map[string]any {
	t.Helper()
	msg, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": method, "method": method, "params": append([]any{"token:" + secret}, params...)})
	if err := ws.WriteMessage(websocket.TextMessage, msg); err != nil {
		t.Fatal(err)
	}
	for {
		m := readJSON(t, ws)
		if m["id"] == method {
			return m
		}
		*seen = append(*seen, m)
	}
}

// next returns the next notification, from those already read or the socket.
func next(t *testing.T, ws *websocket.Conn, seen *[]map[string]any) (method, gid string) {
	t.Helper()
	var m map[string]any
	if len(*seen) > 0 {
		m, *seen = (*seen)[0], (*seen)[1:]
	} else {
		m = readJSON(t, ws)
	}
	params, _ := m["params"].([]any)
	if m["jsonrpc"] != "2.0" || len(params) != 1 || m["id"] != nil {
		t.Fatalf("not a notification: %v", m)
	}
	return m["method"].(string), params[0].(map[string]any)["gid"].(string)
}

// Each change of state comes as aria2's notification on the socket, once,
// in the order the engine made them.
func TestNotificationsFollowTheStream(t *testing.T) {
	d := start(t, nil)
	ws := dialRPC(t, d, nil)
	var seen []map[string]any
	gate := make(chan struct{})
	u := d.Origin.Add("/n.bin", &enginetest.File{Data: enginetest.Bytes(4096, 3), Gate: gate})
	gid := wsCall(t, ws, &seen, "aria2.addUri", []string{u})["result"].(string)
	expect := func(want string) {
		t.Helper()
		if m, g := next(t, ws, &seen); m != want || g != gid {
			t.Fatalf("got %s for %s, want %s for %s", m, g, want, gid)
		}
	}
	expect("aria2.onDownloadStart")
	wsCall(t, ws, &seen, "aria2.pause", gid)
	expect("aria2.onDownloadPause")
	wsCall(t, ws, &seen, "aria2.unpause", gid)
	expect("aria2.onDownloadStart")
	close(gate)
	expect("aria2.onDownloadComplete")

	missing := d.Origin.Add("/gone.bin", &enginetest.File{Faults: []int{404}})
	gid = wsCall(t, ws, &seen, "aria2.addUri", []string{missing})["result"].(string)
	expect("aria2.onDownloadStart")
	expect("aria2.onDownloadError")

	held := make(chan struct{})
	defer close(held)
	u = d.Origin.Add("/r.bin", &enginetest.File{Data: enginetest.Bytes(4096, 4), Gate: held})
	gid = wsCall(t, ws, &seen, "aria2.addUri", []string{u})["result"].(string)
	expect("aria2.onDownloadStart")
	wsCall(t, ws, &seen, "aria2.forceRemove", gid)
	expect("aria2.onDownloadStop")
	// Deleting a running task through REST stops it too.
	gid = wsCall(t, ws, &seen, "aria2.addUri", []string{u + "?2"})["result"].(string)
	expect("aria2.onDownloadStart")
	var page struct{ Downloads []struct{ ID, URL string } }
	d.Auth = secret
	d.Call("GET", "/api/downloads?state=DOWNLOADING,STARTING", nil, &page)
	if len(page.Downloads) != 1 {
		t.Fatalf("running: %v", page.Downloads)
	}
	if code := d.Call("DELETE", "/api/downloads/"+page.Downloads[0].ID, nil, nil); code != http.StatusNoContent {
		t.Fatalf("DELETE: %d", code)
	}
	expect("aria2.onDownloadStop")
	wsCall(t, ws, &seen, "aria2.getVersion")
	if len(seen) != 0 {
		t.Fatalf("notifications nobody expected: %v", seen)
	}
}
