package engine_test

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fetchd/fetchd/engine"
	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/engine/task"
)

// get fetches path from the daemon with the given headers (name, value, ...).
func get(t *testing.T, h *enginetest.Daemon, path string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", h.Srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestFileOfACompletedTask(t *testing.T) {
	h := enginetest.Start(t, func(c *engine.Config) { c.Token = "s3cret" })
	h.Auth = "s3cret"
	data := enginetest.Bytes(100_000, 7)
	done := h.Add(map[string]any{"url": h.Origin.Add("/dir/rapport été.bin", &enginetest.File{Data: data}), "destination": "sub"})
	done = h.WaitState(done.ID, task.Completed, 10*time.Second)
	slow := h.Add(map[string]any{"url": h.Origin.Add("/slow.bin", &enginetest.File{Data: data, Rate: 1000})})
	h.Action(slow.ID, "pause")
	h.WaitState(slow.ID, task.Paused, 5*time.Second)
	path := "/api/downloads/" + done.ID + "/file"
	bearer := []string{"Authorization", "Bearer s3cret"}

	t.Run("whole file", func(t *testing.T) {
		resp, body := get(t, h, path, bearer...)
		if resp.StatusCode != http.StatusOK || !bytes.Equal(body, data) {
			t.Fatalf("%d, %d bytes; want 200 and the %d bytes downloaded", resp.StatusCode, len(body), len(data))
		}
		if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename*=utf-8''rapport%20%C3%A9t%C3%A9.bin` {
			t.Fatalf("Content-Disposition %q", cd)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/octet-stream" {
			t.Fatalf("Content-Type %q", ct)
		}
	})
	t.Run("range", func(t *testing.T) {
		resp, body := get(t, h, path, "X-Api-Key", "s3cret", "Range", "bytes=1000-1999")
		if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, data[1000:2000]) {
			t.Fatalf("%d, %d bytes; want 206 and bytes 1000-1999", resp.StatusCode, len(body))
		}
		if cr := resp.Header.Get("Content-Range"); cr != "bytes 1000-1999/100000" {
			t.Fatalf("Content-Range %q", cr)
		}
	})
	t.Run("token", func(t *testing.T) {
		for _, header := range [][]string{nil, {"Authorization", "Bearer wrong"}} {
			if resp, body := get(t, h, path, header...); resp.StatusCode != http.StatusUnauthorized || bytes.Contains(body, data[:64]) {
				t.Fatalf("headers %q: %d, want 401 without the file", header, resp.StatusCode)
			}
		}
		if resp, _ := get(t, h, path+"?token=s3cret"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("?token= on the file: %d, want 401", resp.StatusCode)
		}
	})
	t.Run("not completed", func(t *testing.T) {
		var e apiErr
		if code := h.Call("GET", "/api/downloads/"+slow.ID+"/file", nil, &e); code != http.StatusConflict || e.Error != "conflict" || !bytes.Contains([]byte(e.Message), []byte("PAUSED")) {
			t.Fatalf("%d %+v; want 409 naming PAUSED", code, e)
		}
	})
	t.Run("unknown task", func(t *testing.T) {
		if code := h.Call("GET", "/api/downloads/nope/file", nil, nil); code != http.StatusNotFound {
			t.Fatalf("%d, want 404", code)
		}
	})
	t.Run("file gone", func(t *testing.T) {
		if err := os.Remove(filepath.Join(h.Cfg.DownloadDir, "sub", done.Filename)); err != nil {
			t.Fatal(err)
		}
		var e apiErr
		if code := h.Call("GET", path, nil, &e); code != http.StatusNotFound || e.Error != "not_found" {
			t.Fatalf("%d %+v; want 404", code, e)
		}
	})
}
