package cli

import (
	"bytes"
	"strings"
	"testing"
)

func TestVersionAndHelp(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := Main([]string{"--version"}, &out, &errOut); code != 0 || !strings.HasPrefix(out.String(), "fetchd ") {
		t.Fatalf("--version: %d %q", code, out.String())
	}
	out.Reset()
	if code := Main([]string{"--help"}, &out, &errOut); code != 0 || !strings.Contains(errOut.String(), "--max-concurrent") || !strings.Contains(errOut.String(), "FETCHD_") {
		t.Fatalf("--help: %d %q", code, errOut.String())
	}
	for _, want := range []string{"\n  --addr ADDR ", "(default 127.0.0.1:8484; env FETCHD_ADDR)\n", "\n  --insecure-tls ", "(env FETCHD_INSECURE_TLS)\n"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("--help lacks %q:\n%s", want, errOut.String())
		}
	}
	if strings.Contains(errOut.String(), "-addr string") {
		t.Errorf("--help in Go's own style:\n%s", errOut.String())
	}
	if code := Main([]string{"--bogus"}, &out, &errOut); code != 2 {
		t.Fatalf("bad flag exit code %d, want 2", code)
	}
}
