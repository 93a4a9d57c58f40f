package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/engine/task"
)

func TestClientAddInputFile(t *testing.T) {
	h := enginetest.Start(t, nil)
	gate := make(chan struct{})
	defer close(gate)
	url := func(name string) string {
		return h.Origin.Add("/"+name, &enginetest.File{Data: enginetest.Bytes(100, 7), Gate: gate})
	}
	list := filepath.Join(t.TempDir(), "urls.txt")
	body := "# a list\n" + url("f1.bin") + "\n\n   " + url("f2.bin") + "  \n#" + url("skipped.bin") + "\n"
	if err := os.WriteFile(list, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, h, "add", url("f0.bin"), "--input-file", list, "--batch", "listed").must(t, 0)
	if ids := addedIDs(t, r.out); len(ids) != 3 {
		t.Fatalf("add --input-file: %q", r.out)
	}
	var names []string
	for _, tk := range listAll(t, h, "") {
		names = append(names, tk.URL[strings.LastIndex(tk.URL, "/")+1:])
	}
	if strings.Join(names, " ") != "f0.bin f1.bin f2.bin" {
		t.Fatalf("added %v", names)
	}

	old := stdin
	defer func() { stdin = old }()
	stdin = strings.NewReader(url("s1.bin") + "\n# x\n" + url("s2.bin"))
	r = runCLI(t, h, "add", "--input-file", "-").must(t, 0)
	if ids := addedIDs(t, r.out); len(ids) != 2 {
		t.Fatalf("add --input-file -: %q", r.out)
	}

	r = runCLI(t, h, "add", "--input-file", filepath.Join(t.TempDir(), "none")).must(t, 1)
	if !strings.Contains(r.errOut, "--input-file") {
		t.Fatalf("a missing list: %q", r.errOut)
	}
	stdin = strings.NewReader("# nothing\n")
	runCLI(t, h, "add", "--input-file", "-").must(t, 2)
}

func TestClientAddWording(t *testing.T) {
	h := enginetest.Start(t, nil)
	gate := make(chan struct{})
	defer close(gate)
	url := h.Origin.Add("/path/f.iso", &enginetest.File{Data: enginetest.Bytes(100, 8), Gate: gate,
		ContentDisposition: `attachment; filename="real.iso"`})

	// A new task has no name until the origin answers: the URL's stands in, marked.
	r := runCLI(t, h, "add", url).must(t, 0)
	id := addedIDs(t, r.out)[0]
	if want := "added " + id + " f.iso (provisional: named when the origin answers)\n"; r.out != want {
		t.Fatalf("add printed %q, want %q", r.out, want)
	}
	h.WaitState(id, task.Downloading, 10*time.Second)
	if got := h.Get(id).Filename; got != "real.iso" {
		t.Fatalf("the daemon named it %q", got)
	}
	r = runCLI(t, h, "add", url, "--filename", "mine.iso", "--force").must(t, 0)
	if !strings.HasSuffix(r.out, " mine.iso\n") {
		t.Fatalf("add --filename: %q", r.out)
	}

	// A duplicate names the flag that overrides it.
	r = runCLI(t, h, "add", url).must(t, 1)
	if !strings.Contains(r.errOut, "is already task") || !strings.HasSuffix(r.errOut, "; add --force to add it again\n") || strings.Contains(r.errOut, "send force") {
		t.Fatalf("duplicate: %q", r.errOut)
	}

	// A URL without a scheme is refused before anything is sent.
	r = runCLI(t, h, "add", "example.com/f.iso", url).must(t, 2)
	if !strings.HasPrefix(r.errOut, "fetchd add: URL needs http:// or https://: example.com/f.iso\n") {
		t.Fatalf("no scheme: %q", r.errOut)
	}
}
