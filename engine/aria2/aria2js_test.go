//go:build unix

package aria2_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fetchd/fetchd/engine/enginetest"
)

// The npm package aria2 (aria2.js) adds, lists, pauses, resumes and removes
// downloads over the WebSocket and over HTTP, and receives notifications:
// the client as published, sending "json-rpc" instead of "jsonrpc".
func TestAria2JSClient(t *testing.T) {
	node := enginetest.Node(t)
	dir, err := filepath.Abs("testdata/aria2js")
	if err != nil {
		t.Fatal(err)
	}
	enginetest.NPMPackages(t, dir)
	d := start(t, nil)
	slow := d.Origin.Add("/slow.bin", &enginetest.File{Data: enginetest.Bytes(512<<10, 1), Rate: 16 << 10})
	fast := d.Origin.Add("/fast.bin", &enginetest.File{Data: enginetest.Bytes(64<<10, 2)})
	host, port, _ := net.SplitHostPort(d.Srv.Listener.Addr().String())

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "client.test.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "FETCHD_HOST="+host, "FETCHD_PORT="+port, "FETCHD_SECRET="+secret, "SLOW_URL="+slow, "FAST_URL="+fast)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("aria2.js: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "checks passed") {
		t.Fatalf("aria2.js said: %s", out)
	}
	t.Logf("%s", strings.TrimSpace(string(out)))
}
