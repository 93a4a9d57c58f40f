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
	if code := Main([]string{"--bogus"}, &out, &errOut); code != 2 {
		t.Fatalf("bad flag exit code %d, want 2", code)
	}
}
