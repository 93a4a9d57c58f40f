package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// aria2.shutdown, as AriaNg's "Shutdown aria2" sends it, stops the daemon
// gracefully, as SIGTERM does; without the secret it stops nothing.
func TestAria2ShutdownStopsTheDaemon(t *testing.T) {
	d := startDaemon(t, buildDaemon(t), t.TempDir(), "--token", "tk")
	shutdown := func(token string) string {
		resp, err := http.Post(d.base+"/jsonrpc", "application/json",
			strings.NewReader(`{"jsonrpc":"2.0","id":"s","method":"aria2.shutdown","params":["token:`+token+`"]}`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if got := shutdown("wrong"); !strings.Contains(got, "Unauthorized") {
		t.Fatalf("shutdown with a wrong secret: %s", got)
	}
	resp, err := http.Get(d.base + "/api/health")
	if err != nil {
		t.Fatalf("the daemon stopped for a wrong secret: %v", err)
	}
	resp.Body.Close()
	if got := shutdown("tk"); !strings.Contains(got, `"result":"OK"`) {
		t.Fatalf("shutdown: %s", got)
	}
	d.exitsCleanly("aria2.shutdown")
	if !strings.Contains(d.logs.String(), `"by":"aria2.shutdown"`) {
		t.Fatalf("no log line says why it stopped:\n%s", d.logs)
	}
}
