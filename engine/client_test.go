package engine_test

import (
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/fetchd/fetchd/engine"
	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/engine/task"
)

// The default User-Agent is the configured one.
func TestDefaultUserAgent(t *testing.T) {
	h := enginetest.Start(t, func(c *engine.Config) { c.UserAgent = "agent-x/9" })
	url := h.Origin.Add("/ua.bin", &enginetest.File{Data: []byte("ua"), Want: http.Header{"User-Agent": {"agent-x/9"}}})
	h.WaitState(h.Add(map[string]any{"url": url}).ID, task.Completed, 10*time.Second)
}

// tlsOrigin serves data over TLS and writes its certificate as PEM.
func tlsOrigin(t *testing.T, data []byte) (url, caFile string) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(data) }))
	t.Cleanup(srv.Close)
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return srv.URL + "/tls.bin", caFile
}

func TestTLSTrust(t *testing.T) {
	data := enginetest.Bytes(10000, 4)
	url, caFile := tlsOrigin(t, data)

	plain := enginetest.Start(t, nil)
	if tk := plain.WaitState(plain.Add(map[string]any{"url": url}).ID, task.Failed, 10*time.Second); !strings.Contains(enginetest.Deref(tk.ErrorMessage), "certificate") {
		t.Fatalf("an unknown CA: %v", enginetest.Deref(tk.ErrorMessage))
	}
	withCA := enginetest.Start(t, func(c *engine.Config) { c.CACertFile = caFile })
	withCA.WaitState(withCA.Add(map[string]any{"url": url}).ID, task.Completed, 10*time.Second)
	fileIs(t, withCA, "tls.bin", data)

	var logs enginetest.Buffer
	insecure := enginetest.Start(t, func(c *engine.Config) {
		c.InsecureTLS = true
		c.Logger = zerolog.New(&logs).Level(zerolog.WarnLevel)
	})
	insecure.WaitState(insecure.Add(map[string]any{"url": url}).ID, task.Completed, 10*time.Second)
	if !strings.Contains(logs.String(), `"level":"warn"`) || !strings.Contains(logs.String(), "insecure-tls") {
		t.Fatalf("--insecure-tls logged no warning: %s", logs.String())
	}
}

func TestBadCACertFileIsAStartError(t *testing.T) {
	junk := filepath.Join(t.TempDir(), "junk.pem")
	os.WriteFile(junk, []byte("not a certificate"), 0o600)
	for _, f := range []string{junk, filepath.Join(t.TempDir(), "missing.pem")} {
		_, err := engine.Open(engine.Config{DownloadDir: t.TempDir(), CACertFile: f})
		if err == nil || !strings.Contains(err.Error(), "--ca-cert") {
			t.Errorf("%s: %v", f, err)
		}
	}
}
