package engine_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/fetchd/fetchd/engine"
	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/engine/task"
	"github.com/fetchd/fetchd/wsconn/client"
)

// The secrets of these tests; none may appear in any output.
const (
	secretCookie = "session=c00kie-s3cret"
	secretKey    = "k3y-s3cret"
	secretPass   = "pa55-s3cret"
)

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func noSecret(t *testing.T, where, s string) {
	t.Helper()
	for _, secret := range []string{secretCookie, "c00kie-s3cret", secretKey, secretPass, base64.StdEncoding.EncodeToString([]byte("alice:" + secretPass))} {
		if strings.Contains(s, secret) {
			t.Errorf("%s shows the secret %q:\n%s", where, secret, s)
		}
	}
}

// A task's headers and credentials reach the origin with every request,
// after a restart too, and never show in REST, WebSocket frames, logs or
// metrics.
func TestRequestOptionsAreSentAndNeverShown(t *testing.T) {
	var logs enginetest.Buffer
	h := enginetest.Start(t, func(c *engine.Config) {
		c.Logger = zerolog.New(&logs).Level(zerolog.TraceLevel)
	})
	tasksWS, err := client.Dial(t.Context(), client.Options{Server: h.Srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer tasksWS.Close()
	eventsWS, err := client.Dial(t.Context(), client.Options{Server: h.Srv.URL, Protocol: "events"})
	if err != nil {
		t.Fatal(err)
	}
	defer eventsWS.Close()
	var frames []string
	var framesMu sync.Mutex
	for _, c := range []*client.Conn{tasksWS, eventsWS} {
		go func() {
			for {
				m, err := c.Read()
				if err != nil {
					return
				}
				framesMu.Lock()
				frames = append(frames, string(m.Raw))
				framesMu.Unlock()
			}
		}()
	}

	data := enginetest.Bytes(3<<20, 7)
	want := http.Header{}
	want.Set("Cookie", secretCookie)
	want.Set("X-Api-Key", secretKey)
	want.Set("Referer", "https://example.com/page")
	want.Set("User-Agent", "custom-agent/2")
	want.Set("Authorization", basic("alice", secretPass))
	url := h.Origin.Add("/private.bin", &enginetest.File{Data: data, Rate: 1 << 20, Want: want})
	tk := h.Add(map[string]any{
		"url":      url,
		"username": "alice",
		"password": secretPass,
		"checksum": sha(data),
		"headers":  map[string]string{"cookie": secretCookie, "X-Api-Key": secretKey, "Referer": "https://example.com/page", "User-Agent": "custom-agent/2"},
	})
	shown := map[string]string{"Cookie": task.Redacted, "X-Api-Key": task.Redacted, "Authorization": task.Redacted,
		"Referer": "https://example.com/page", "User-Agent": "custom-agent/2"}
	if len(tk.Headers) != len(shown) || tk.Host != strings.TrimPrefix(h.Origin.URL, "http://") {
		t.Fatalf("task as created: headers %v host %q", tk.Headers, tk.Host)
	}
	for k, v := range shown {
		if tk.Headers[k] != v {
			t.Fatalf("header %s shows %q, want %q (all: %v)", k, tk.Headers[k], v, tk.Headers)
		}
	}

	enginetest.Eventually(t, 10*time.Second, "a checkpoint with progress", func() bool { return h.Get(tk.ID).Downloaded > 512<<10 })
	h.Reopen()
	h.WaitState(tk.ID, task.Completed, 20*time.Second)
	fileIs(t, h, "private.bin", data)
	reqs := h.Origin.Requests("/private.bin")
	if len(reqs) < 2 || reqs[len(reqs)-1].Start == 0 {
		t.Fatalf("no resumed request after the restart: %+v", reqs)
	}
	if tk := h.Get(tk.ID); tk.Headers["Cookie"] != task.Redacted || tk.Headers["Referer"] != "https://example.com/page" {
		t.Fatalf("after a restart the task shows headers %v", tk.Headers)
	}

	// A new connection's SYNC_ALL holds the task.
	late, err := client.Dial(t.Context(), client.Options{Server: h.Srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer late.Close()
	first, err := late.Read()
	var synced struct{ Tasks []task.Task }
	if err != nil || first.Type != "SYNC_ALL" || json.Unmarshal(first.Raw, &synced) != nil || len(synced.Tasks) != 1 || synced.Tasks[0].Headers["Cookie"] != task.Redacted {
		t.Fatalf("SYNC_ALL %s, %v", first.Raw, err)
	}
	noSecret(t, "SYNC_ALL", string(first.Raw))

	var list bytes.Buffer
	resp, err := http.Get(h.Srv.URL + "/api/downloads")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(&list, resp.Body)
	resp.Body.Close()
	var page struct{ Downloads []task.Task }
	if json.Unmarshal(list.Bytes(), &page) != nil || len(page.Downloads) != 1 || page.Downloads[0].Headers["X-Api-Key"] != task.Redacted {
		t.Fatalf("GET /api/downloads: %s", list.String())
	}
	noSecret(t, "GET /api/downloads", list.String())
	_, metrics := scrape(t, h)
	noSecret(t, "/metrics", metrics)
	framesMu.Lock()
	all := strings.Join(frames, "\n")
	framesMu.Unlock()
	if !strings.Contains(all, `"type":"TASK_ADDED"`) {
		t.Fatalf("the first connection saw no TASK_ADDED:\n%s", all)
	}
	noSecret(t, "WebSocket frames", all)
	noSecret(t, "the log", logs.String())
}

// Credentials in the URL are taken out of it and sent as basic auth.
func TestURLCredentialsBecomeBasicAuth(t *testing.T) {
	var logs enginetest.Buffer
	h := enginetest.Start(t, func(c *engine.Config) { c.Logger = zerolog.New(&logs).Level(zerolog.DebugLevel) })
	data := enginetest.Bytes(64<<10, 8)
	want := http.Header{"Authorization": {basic("alice", secretPass)}}
	clean := h.Origin.Add("/cred.bin", &enginetest.File{Data: data, Want: want})
	tk := h.Add(map[string]any{"url": strings.Replace(clean, "http://", "http://alice:"+secretPass+"@", 1)})
	if tk.URL != clean || tk.Headers["Authorization"] != task.Redacted {
		t.Fatalf("task as created: url %q headers %v", tk.URL, tk.Headers)
	}
	h.WaitState(tk.ID, task.Completed, 10*time.Second)
	fileIs(t, h, "cred.bin", data)
	noSecret(t, "the log", logs.String())

	// Without the credentials the origin refuses, and the task fails.
	other := h.Origin.Add("/cred2.bin", &enginetest.File{Data: data, Want: want})
	if tk := h.WaitState(h.Add(map[string]any{"url": other}).ID, task.Failed, 10*time.Second); !strings.Contains(enginetest.Deref(tk.ErrorMessage), "403") {
		t.Fatalf("without credentials: %v", enginetest.Deref(tk.ErrorMessage))
	}
}

func TestBatchHeadersApplyToEveryItem(t *testing.T) {
	h := enginetest.Start(t, nil)
	want := http.Header{"Cookie": {secretCookie}}
	var items []map[string]any
	for _, p := range []string{"/b1.bin", "/b2.bin"} {
		items = append(items, map[string]any{"url": h.Origin.Add(p, &enginetest.File{Data: enginetest.Bytes(1000, 9), Want: want})})
	}
	var created task.BatchCreated
	if code := h.Call("POST", "/api/batches", map[string]any{"batch_name": "b", "headers": map[string]string{"Cookie": secretCookie}, "items": items}, &created); code != http.StatusCreated {
		t.Fatalf("POST /api/batches: %d", code)
	}
	for _, tk := range created.Tasks {
		h.WaitState(tk.ID, task.Completed, 10*time.Second)
	}
}

func TestBadRequestOptionsAre400(t *testing.T) {
	h := enginetest.Start(t, nil)
	url := h.Origin.Add("/x.bin", &enginetest.File{Data: []byte("x")})
	for _, body := range []map[string]any{
		{"url": url, "headers": map[string]string{"Bad Name": "v"}},
		{"url": url, "headers": map[string]string{"X-Test": "a\r\nInjected: b"}},
		{"url": url, "headers": map[string]string{"X-Test": "a\nb"}},
		{"url": url, "headers": map[string]string{"host": "example.com"}},
		{"url": url, "headers": map[string]string{"Range": "bytes=0-"}},
		{"url": url, "headers": map[string]string{"Accept-Encoding": "gzip"}},
		{"url": url, "headers": map[string]string{"Authorization": "Bearer x"}, "username": "u"},
		{"batch_name": "b", "headers": map[string]string{"Connection": "close"}, "items": []map[string]any{{"url": url}}},
	} {
		path := "/api/downloads"
		if body["batch_name"] != nil {
			path = "/api/batches"
		}
		var e struct{ Error, Message string }
		if code := h.Call("POST", path, body, &e); code != http.StatusBadRequest || e.Error != "bad_request" || !strings.Contains(e.Message, "eader") {
			t.Errorf("%v: %d %+v", body, code, e)
		}
	}
	var page struct{ Total int }
	if h.Call("GET", "/api/downloads", nil, &page); page.Total != 0 {
		t.Fatalf("a refused request left %d tasks", page.Total)
	}
}
