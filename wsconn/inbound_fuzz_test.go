package wsconn

import (
	"encoding/json"
	"testing"
)

// FuzzParseRequest checks what a client message decodes to, in either
// dialect: a subscribe or unsubscribe naming a download, or a refusal that
// tells the client why.
func FuzzParseRequest(f *testing.F) {
	f.Fuzz(func(t *testing.T, raw []byte) {
		req, err := parseRequest(raw)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("parseRequest(%q) refuses without a message", raw)
			}
			if req != (request{}) {
				t.Fatalf("parseRequest(%q) refuses but returns %+v", raw, req)
			}
			return
		}
		if req.downloadID == "" || len(req.downloadID) > 256 {
			t.Fatalf("parseRequest(%q) accepts download id %q", raw, req.downloadID)
		}
		var msg struct {
			Event string `json:"event"`
			Data  struct {
				DownloadID string `json:"downloadId"`
			} `json:"data"`
		}
		if err := json.Unmarshal(raw, &msg); err != nil {
			t.Fatalf("parseRequest(%q) accepts what encoding/json refuses: %v", raw, err)
		}
		want := map[string]bool{"subscribe:download": true, "unsubscribe:download": false}
		if sub, ok := want[msg.Event]; !ok || sub != req.subscribe || msg.Data.DownloadID != req.downloadID {
			t.Fatalf("parseRequest(%q) = %+v, but the message says %+v", raw, req, msg)
		}
	})
}
