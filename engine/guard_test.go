package engine_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/fetchd/fetchd/engine"
	"github.com/fetchd/fetchd/engine/enginetest"
)

// send makes a raw request as a browser (or a script) would: a body with its
// own content type, and the headers given in pairs.
func send(t *testing.T, h *enginetest.Daemon, method, path, contentType, body string, header ...string) int {
	t.Helper()
	req, err := http.NewRequest(method, h.Srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "Host" {
			req.Host = header[i+1]
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestNoWebPageCanDriveTheDaemon(t *testing.T) {
	h := enginetest.Start(t, func(c *engine.Config) {
		c.AllowedHosts = []string{"nas.lan"}
		c.AllowedOrigins = []string{"https://ui.example"}
	})
	url := h.Origin.Add("/f", &enginetest.File{Data: []byte("f")})
	body := `{"url":"` + url + `"}`
	self := "http://" + h.Srv.Listener.Addr().String()
	evil := "http://evil.example"
	rebound := "evil.example:" + strings.Split(h.Srv.Listener.Addr().String(), ":")[1]

	cases := []struct {
		name                string
		method, path, ctype string
		header              []string
		want                int
	}{
		{"a cross-site text/plain POST", "POST", "/api/downloads", "text/plain", []string{"Origin", evil}, http.StatusForbidden},
		{"a cross-site form POST by Sec-Fetch-Site", "POST", "/api/downloads", "application/x-www-form-urlencoded", []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"a cross-site pause-all", "POST", "/api/downloads/pause-all", "", []string{"Origin", evil}, http.StatusForbidden},
		{"a cross-site JSON POST", "POST", "/api/downloads", "application/json", []string{"Origin", evil, "Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"a rebound read", "GET", "/api/downloads", "", []string{"Host", rebound}, http.StatusMisdirectedRequest},
		{"a rebound same-origin POST", "POST", "/api/downloads", "application/json", []string{"Host", rebound, "Origin", "http://" + rebound}, http.StatusMisdirectedRequest},
		{"a same-origin text/plain POST", "POST", "/api/downloads", "text/plain", []string{"Origin", self}, http.StatusUnsupportedMediaType},
	}
	for _, c := range cases {
		if got := send(t, h, c.method, c.path, c.ctype, body, c.header...); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
	var page struct{ Total int }
	if h.Call("GET", "/api/downloads", nil, &page); page.Total != 0 {
		t.Fatalf("refused requests created %d tasks", page.Total)
	}

	// A rebound page cannot open the WebSocket either.
	ws := strings.Replace(h.Srv.URL, "http", "ws", 1) + "/api/ws"
	if c, resp, err := websocket.DefaultDialer.Dial(ws, http.Header{"Host": {rebound}, "Origin": {"http://" + rebound}}); err == nil {
		c.Close()
		t.Fatal("a rebound page opened the WebSocket")
	} else if resp == nil || resp.StatusCode != http.StatusMisdirectedRequest {
		t.Fatalf("rebound upgrade: %v %v", resp, err)
	}

	// What is allowed: scripts (no browser headers, curl's form type), the
	// page itself, an allowed origin, and an allowed host name.
	allowed := []struct {
		name   string
		ctype  string
		header []string
	}{
		{"a script", "application/x-www-form-urlencoded", nil},
		{"the page", "application/json", []string{"Origin", self, "Sec-Fetch-Site", "same-origin"}},
		{"an allowed origin", "application/json", []string{"Origin", "https://ui.example", "Sec-Fetch-Site", "cross-site"}},
		{"an allowed host", "application/json", []string{"Host", "nas.lan:8484", "Origin", "http://nas.lan:8484"}},
	}
	for i, a := range allowed {
		u := h.Origin.Add("/ok"+string(rune('a'+i)), &enginetest.File{Data: []byte("ok")})
		if got := send(t, h, "POST", "/api/downloads", a.ctype, `{"url":"`+u+`"}`, a.header...); got != http.StatusCreated {
			t.Errorf("%s: %d, want 201", a.name, got)
		}
	}
}
