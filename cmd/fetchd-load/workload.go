package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// origin serves endless-enough files, each throttled to rate bytes/s, so the
// daemon has real progress to push for the whole run.
type origin struct {
	srv  *http.Server
	base string
}

func startOrigin(rate, size int) (*origin, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	chunk := make([]byte, max(rate/10, 1))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(size))
		w.Header().Set("Content-Type", "application/octet-stream")
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for sent := 0; sent < size; sent += len(chunk) {
			if _, err := w.Write(chunk[:min(len(chunk), size-sent)]); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-tick.C:
			case <-r.Context().Done():
				return
			}
		}
	})
	o := &origin{srv: &http.Server{Handler: h}, base: "http://" + ln.Addr().String()}
	go o.srv.Serve(ln)
	return o, nil
}

func (o *origin) close() { o.srv.Close() }

// rest is a small client of the daemon's REST API.
type rest struct {
	base, token string
}

func (c rest) do(method, path string, body any, out any) error {
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, raw)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// startDownloads lets every download run at once and starts n of them as
// one batch; it returns the batch id and the task ids.
func startDownloads(c rest, o *origin, n int) (string, []string, error) {
	if n == 0 {
		return "", nil, nil
	}
	if err := c.do("PUT", "/api/settings", map[string]any{"max_concurrent": n, "speed_limit": 0}, nil); err != nil {
		return "", nil, err
	}
	items := make([]map[string]string, n)
	for i := range items {
		items[i] = map[string]string{"url": fmt.Sprintf("%s/f/%d-%d", o.base, time.Now().UnixNano(), i)}
	}
	var created struct {
		BatchID string `json:"batch_id"`
		Tasks   []struct {
			ID string `json:"id"`
		} `json:"tasks"`
	}
	if err := c.do("POST", "/api/batches", map[string]any{"batch_name": "load", "items": items}, &created); err != nil {
		return "", nil, err
	}
	ids := make([]string, len(created.Tasks))
	for i, t := range created.Tasks {
		ids[i] = t.ID
	}
	return created.BatchID, ids, nil
}
