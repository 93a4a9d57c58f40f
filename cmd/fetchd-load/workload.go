package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fetchd/fetchd/engine/task"
	wsclient "github.com/fetchd/fetchd/wsconn/client"
)

// origin serves endless-enough files, each throttled to rate bytes/s, so the
// daemon has real progress to push for the whole run. It answers an
// open-ended Range, so a paused download resumes; a closed range gets the
// whole rest, so each download keeps one connection.
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
		// A resumed download asks for the rest: "bytes=N-" gets it.
		from := 0
		if n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(r.Header.Get("Range"), "bytes="), "-")); err == nil && n > 0 && n < size {
			from = n
		}
		w.Header().Set("Content-Length", strconv.Itoa(size-from))
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Accept-Ranges", "bytes")
		if from > 0 {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", from, size-1, size))
			w.WriteHeader(http.StatusPartialContent)
		}
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for sent := from; sent < size; sent += len(chunk) {
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

// startDownloads lets every download run at once and starts n of them as
// one batch; it returns the batch id and the task ids.
func startDownloads(ctx context.Context, api *wsclient.REST, o *origin, n int) (string, []string, error) {
	if n == 0 {
		return "", nil, nil
	}
	if err := api.Do(ctx, "PUT", "/api/settings", map[string]any{"max_concurrent": n, "speed_limit": 0}, nil); err != nil {
		return "", nil, err
	}
	req := task.BatchRequest{BatchName: "load", Items: make([]task.BatchItem, n)}
	for i := range req.Items {
		req.Items[i].URL = fmt.Sprintf("%s/f/%d-%d", o.base, time.Now().UnixNano(), i)
	}
	created, err := api.AddBatch(ctx, req)
	if err != nil {
		return "", nil, err
	}
	ids := make([]string, len(created.Tasks))
	for i, t := range created.Tasks {
		ids[i] = t.ID
	}
	return created.BatchID, ids, nil
}
