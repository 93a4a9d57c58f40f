package engine_test

import (
	"bytes"
	"compress/gzip"
	"testing"
	"time"

	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/engine/task"
)

// A .tar.gz served with Content-Encoding: gzip is saved as sent, not decoded.
func TestGzipEncodedBodyIsSavedAsSent(t *testing.T) {
	h := enginetest.Start(t, nil)
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write(enginetest.Bytes(64<<10, 20))
	w.Close()
	data := gz.Bytes()
	url := h.Origin.Add("/archive.tar.gz", &enginetest.File{Data: data, Gzip: true})
	tk := h.Add(map[string]any{"url": url, "checksum": sha(data)})
	h.WaitState(tk.ID, task.Completed, 10*time.Second)
	fileIs(t, h, "archive.tar.gz", data)
	if reqs := h.Origin.Requests("/archive.tar.gz"); reqs[0].AcceptEncoding != "identity" {
		t.Fatalf("Accept-Encoding %q, want identity", reqs[0].AcceptEncoding)
	}
}
