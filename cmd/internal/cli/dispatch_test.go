package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/fetchd/fetchd/engine"
	"github.com/fetchd/fetchd/engine/enginetest"
)

// runArgs runs args exactly as given, as Main would before the daemon.
func runArgs(t *testing.T, args ...string) (handled bool, r cliRun) {
	t.Helper()
	var out, errOut bytes.Buffer
	handled, code := runClient(context.Background(), args, &out, &errOut)
	return handled, cliRun{code, out.String(), errOut.String()}
}

func TestGlobalFlagsBeforeTheCommand(t *testing.T) {
	h := enginetest.Start(t, func(c *engine.Config) { c.Token = "s3cret" })
	url := h.Origin.Add("/g.bin", &enginetest.File{Data: enginetest.Bytes(100, 1)})
	for _, args := range [][]string{
		{"--server", h.Srv.URL, "--token", "s3cret", "add", url, "--force"},
		{"--server=" + h.Srv.URL, "--token=s3cret", "ls"},
		{"-token", "s3cret", "--server", h.Srv.URL, "ls", "--json"},
	} {
		handled, r := runArgs(t, args...)
		if !handled {
			t.Fatalf("%q went to the daemon", args)
		}
		r.must(t, 0)
	}
	// Without a command they are the daemon's flags.
	if handled, _ := runArgs(t, "--token", "s3cret"); handled {
		t.Fatal("--token alone was taken as a client command")
	}
	if handled, _ := runArgs(t, "--token", "s3cret", "--addr", "127.0.0.1:0"); handled {
		t.Fatal("daemon flags after --token were taken as a client command")
	}
}

func TestUnknownCommand(t *testing.T) {
	handled, r := runArgs(t, "--server", "http://127.0.0.1:1", "list")
	if !handled || r.code != 2 {
		t.Fatalf("unknown command: handled %v, code %d", handled, r.code)
	}
	if !strings.Contains(r.errOut, `unknown command "list"; did you mean "ls"?`) || !strings.Contains(r.errOut, "add, ls, pause") {
		t.Fatalf("unknown command: %q", r.errOut)
	}
	if _, r = runArgs(t, "xyzzyplugh"); strings.Contains(r.errOut, "did you mean") {
		t.Fatalf("a far word got a suggestion: %q", r.errOut)
	}
	for in, want := range map[string]string{"list": "ls", "stat": "stats", "pasue": "pause", "remove": ""} {
		if got := nearest(in, commandNames()); got != want {
			t.Errorf("nearest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestClientVersion(t *testing.T) {
	h := enginetest.Start(t, nil)
	r := runCLI(t, h, "version").must(t, 0)
	if r.out != "fetchd client "+engine.Version+"\nfetchd daemon "+engine.Version+" at "+h.Srv.URL+", up "+strings.SplitAfter(r.out, ", up ")[1] {
		t.Fatalf("version: %q", r.out)
	}
	r = cliAt(t, "http://127.0.0.1:1", "version").must(t, 0)
	if r.out != "fetchd client "+engine.Version+"\n" || !strings.Contains(r.errOut, "cannot reach the daemon") {
		t.Fatalf("version without a daemon: out %q err %q", r.out, r.errOut)
	}
}
