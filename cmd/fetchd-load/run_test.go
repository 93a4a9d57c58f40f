package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/fetchd/fetchd/engine/enginetest"
)

// The harness against a real daemon, with compression and clients that
// blink: every reading client gets every batch, the blinkers resume with
// the messages they missed rather than a SYNC_ALL, compression saves bytes,
// and the verifying clients converge with the server.
func TestHarnessResumesAndCompresses(t *testing.T) {
	h := enginetest.Start(t, nil)
	out := filepath.Join(t.TempDir(), "result.json")
	var stdout, stderr bytes.Buffer
	code := run([]string{"--url", h.Srv.URL, "--conns", "30", "--ramp", "100", "--downloads", "10", "--rate", "65536",
		"--duration", "8s", "--verify", "3", "--compress", "--resume-blink", "0.5", "--json", out}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var r result
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	switch {
	case r.Connected != 30:
		t.Fatalf("%d of 30 clients connected", r.Connected)
	case r.Batches == 0 || r.Missed != 0 || r.Duplicated != 0 || r.OutOfOrder != 0:
		t.Fatalf("%d batches: %d missed, %d duplicated, %d out of order", r.Batches, r.Missed, r.Duplicated, r.OutOfOrder)
	case r.Resumes == 0 || r.Replayed != r.Resumes || r.Resynced != 0:
		t.Fatalf("%d resumes: %d replayed, %d resynced; want every one replayed", r.Resumes, r.Replayed, r.Resynced)
	case r.WireToPlain <= 0 || r.WireToPlain >= 1:
		t.Fatalf("wire bytes per message byte %.2f; compression should save some", r.WireToPlain)
	case r.VerifyMismatches != 0:
		t.Fatalf("%d verifying clients differ from the server", r.VerifyMismatches)
	}
	t.Logf("%s", stdout.String())
}
