//go:build centrifugo_e2e

// The end-to-end run of --versus builds Centrifugo from source when it is
// not cached yet: about 8 minutes of CPU, too long for the CI budget on a
// clean machine, so it runs only with its tag:
//
//	go test -race -tags centrifugo_e2e -timeout 30m -run VersusCentrifugoEndToEnd -v ./cmd/fetchd-load
//
// The parts it joins (config, stamping, the shared client accounting, the
// table) are tested in the ordinary suite.

package main

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testLog passes a build's progress to the test log, a line at a time.
type testLog struct{ t testing.TB }

func (l testLog) Write(p []byte) (int, error) {
	if s := strings.TrimSpace(strings.ReplaceAll(string(p), "\r", "")); s != "" {
		l.t.Log(s)
	}
	return len(p), nil
}

// The whole --versus run at a tiny scale: fetchd, then Centrifugo (built
// into the user cache dir when missing), each with 20 clients.
func TestVersusCentrifugoEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	bin := filepath.Join(t.TempDir(), "fetchd")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/fetchd/fetchd/cmd/fetchd").CombinedOutput(); err != nil {
		t.Fatalf("build fetchd: %v\n%s", err, out)
	}
	cbin, err := centrifugoBinary(ctx, "", testLog{t})
	if err != nil {
		t.Fatal(err)
	}
	for _, compress := range []bool{false, true} {
		t.Run(fmt.Sprintf("compress=%v", compress), func(t *testing.T) { versusEndToEnd(t, ctx, bin, cbin, compress) })
	}
}

func versusEndToEnd(t *testing.T, ctx context.Context, bin, cbin string, compress bool) {
	args := []string{"--versus", "centrifugo", "--centrifugo", cbin, "--fetchd", bin,
		"--conns", "20", "--ramp", "200", "--downloads", "20", "--duration", "3s"} // a batch over 1 KiB: compressed when negotiated
	if compress {
		args = append(args, "--compress")
	}
	o, err := parse(args, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	var progress bytes.Buffer
	v, err := runVersus(ctx, o, &progress)
	if err != nil {
		t.Fatalf("%v\n%s", err, progress.Bytes())
	}
	var table bytes.Buffer
	v.table(&table)
	t.Logf("\n%s", table.Bytes())
	if v.FrameTasks != 20 || v.FrameBytes < 1024 {
		t.Errorf("captured a batch of %d tasks (%d bytes), want all 20 downloads, over 1 KiB", v.FrameTasks, v.FrameBytes)
	}
	for _, s := range []side{v.Fetchd, v.Other} {
		if s.Connected != 20 || s.DialFailed != 0 || s.Dropped != 0 {
			t.Errorf("%s: %d connected, %d failed, %d dropped; want 20, 0, 0", s.Server, s.Connected, s.DialFailed, s.Dropped)
		}
		if s.Batches == 0 || s.Readers != 20 || s.Missed != 0 {
			t.Errorf("%s: %d batches in the window, %d readers missed %d; want some, 20, none", s.Server, s.Batches, s.Readers, s.Missed)
		}
		if want := map[bool]int{true: 20}[compress]; s.Compressed != want {
			t.Errorf("%s: %d connections negotiated permessage-deflate, want %d", s.Server, s.Compressed, want)
		}
		if s.MBPerSec == 0 {
			t.Errorf("%s: no bytes reached the clients in the window", s.Server)
		}
		if s.RSSMB == 0 {
			t.Errorf("%s: no RSS read from /proc", s.Server)
		}
	}
	if !strings.Contains(v.Other.Server, "centrifugo") || v.Fetchd.Server != "fetchd" {
		t.Errorf("sides %q and %q", v.Fetchd.Server, v.Other.Server)
	}
	if v.Compressed != compress {
		t.Errorf("result says compressed=%v, the run asked %v", v.Compressed, compress)
	}
	if v.LagRatio == nil && v.Other.LagP99 > 0 {
		t.Error("no lag ratio")
	}
}
