package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fetchd/fetchd/engine"
	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/engine/task"
)

type cliRun struct {
	code        int
	out, errOut string
}

// cliAt runs a client command against server and fails the test unless
// runClient took it.
func cliAt(t *testing.T, server string, args ...string) cliRun {
	t.Helper()
	var out, errOut bytes.Buffer
	handled, code := runClient(context.Background(), append(args, "--server", server), &out, &errOut)
	if !handled {
		t.Fatalf("runClient(%q) did not handle the command", args)
	}
	return cliRun{code, out.String(), errOut.String()}
}

func runCLI(t *testing.T, h *enginetest.Daemon, args ...string) cliRun {
	t.Helper()
	return cliAt(t, h.Srv.URL, args...)
}

func (r cliRun) must(t *testing.T, code int) cliRun {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit code %d, want %d\nstdout: %s\nstderr: %s", r.code, code, r.out, r.errOut)
	}
	return r
}

var addedPattern = regexp.MustCompile(`(?m)^added ([0-9a-f-]{36}) (.+)$`)

// addedIDs reads the ids `fetchd add` printed.
func addedIDs(t *testing.T, out string) []string {
	t.Helper()
	var ids []string
	for _, m := range addedPattern.FindAllStringSubmatch(out, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

func listAll(t *testing.T, h *enginetest.Daemon, query string) []task.Task {
	t.Helper()
	var page struct{ Downloads []task.Task }
	if code := h.Call("GET", "/api/downloads?limit=1000"+query, nil, &page); code != 200 {
		t.Fatalf("GET /api/downloads: %d", code)
	}
	return page.Downloads
}

func TestClientAdd(t *testing.T) {
	h := enginetest.Start(t, nil)
	gate := make(chan struct{}) // keeps the downloads in flight; the test is about adding
	defer close(gate)
	url := func(name string) string {
		return h.Origin.Add("/"+name, &enginetest.File{Data: enginetest.Bytes(1000, 1), Gate: gate})
	}

	r := runCLI(t, h, "add", url("one.bin"), "--filename", "renamed.bin", "--priority", "3", "--destination", "sub").must(t, 0)
	ids := addedIDs(t, r.out)
	if len(ids) != 1 || !strings.Contains(r.out, "renamed.bin") {
		t.Fatalf("add one: %q", r.out)
	}
	tk := h.Get(ids[0])
	if tk.URL != url("one.bin") || tk.Filename != "renamed.bin" || tk.Priority != 3 || tk.Destination != "sub" || tk.BatchID != nil {
		t.Fatalf("task as added: %+v", tk)
	}

	r = runCLI(t, h, "add", url("a.bin"), url("b.bin"), url("c.bin"), "--batch", "album").must(t, 0)
	ids = addedIDs(t, r.out)
	if len(ids) != 3 || !strings.Contains(r.out, `batch`) || !strings.Contains(r.out, `"album" with 3 downloads`) {
		t.Fatalf("add a batch: %q", r.out)
	}
	first := h.Get(ids[0])
	if first.BatchID == nil || enginetest.Deref(first.BatchName) != "album" {
		t.Fatalf("batch item: %+v", first)
	}
	inBatch := listAll(t, h, "&batch_id="+*first.BatchID)
	if len(inBatch) != 3 {
		t.Fatalf("the batch holds %d tasks, want 3", len(inBatch))
	}
	for _, id := range ids {
		if b := h.Get(id).BatchID; b == nil || *b != *first.BatchID {
			t.Fatalf("task %s is not in batch %s", id, *first.BatchID)
		}
	}

	r = runCLI(t, h, "add", url("x.bin"), url("y.bin")).must(t, 0)
	ids = addedIDs(t, r.out)
	if len(ids) != 2 {
		t.Fatalf("add two standalone: %q", r.out)
	}
	for _, id := range ids {
		if h.Get(id).BatchID != nil {
			t.Fatalf("a URL added without --batch joined a batch")
		}
	}
	if n := len(listAll(t, h, "")); n != 6 {
		t.Fatalf("%d tasks on the daemon, want 6", n)
	}

	// One URL with --batch starts a batch of one.
	r = runCLI(t, h, "add", url("solo.bin"), "--batch", "single").must(t, 0)
	if tk := h.Get(addedIDs(t, r.out)[0]); enginetest.Deref(tk.BatchName) != "single" {
		t.Fatalf("one URL with --batch: %+v", tk)
	}

	// A duplicate is a 409: its message, exit 1; the other URL still goes in.
	r = runCLI(t, h, "add", url("x.bin")).must(t, 1)
	if !strings.HasPrefix(r.errOut, "fetchd: ") || !strings.Contains(r.errOut, "duplicate") || strings.Count(r.errOut, "\n") != 1 {
		t.Fatalf("duplicate: %q", r.errOut)
	}
	r = runCLI(t, h, "add", url("x.bin"), url("z.bin")).must(t, 1)
	if !strings.Contains(r.errOut, "fetchd: "+url("x.bin")+": ") || len(addedIDs(t, r.out)) != 1 {
		t.Fatalf("one duplicate among two: out %q err %q", r.out, r.errOut)
	}
	runCLI(t, h, "add", url("x.bin"), "--force").must(t, 0)

	// The daemon's 400 is shown as its message.
	r = runCLI(t, h, "add", "ftp://example.com/f").must(t, 1)
	if !strings.HasPrefix(r.errOut, "fetchd: ") || strings.Contains(r.errOut, "{") {
		t.Fatalf("bad URL: %q", r.errOut)
	}

	// A priority may be a word, as PROTOCOL.md allows.
	r = runCLI(t, h, "add", url("hi.bin"), "--priority", "high").must(t, 0)
	if got := h.Get(addedIDs(t, r.out)[0]).Priority; got != 10 {
		t.Fatalf("--priority high: priority %d, want 10", got)
	}

	// Bad usage: exit 2 with the usage line.
	for _, args := range [][]string{{"add"}, {"add", url("p.bin"), url("q.bin"), "--filename", "f"}, {"add", url("p.bin"), "--priority", "urgent"}, {"add", "--nope", url("p.bin")}} {
		r = runCLI(t, h, args...).must(t, 2)
		if !strings.Contains(r.errOut, "usage: fetchd add URL...") {
			t.Errorf("%q: %q", args, r.errOut)
		}
	}
}

func TestClientList(t *testing.T) {
	h := enginetest.Start(t, nil)
	gate := make(chan struct{})
	defer close(gate)
	done := h.Add(map[string]any{"url": h.Origin.Add("/done.bin", &enginetest.File{Data: enginetest.Bytes(3<<20, 2)})})
	h.WaitState(done.ID, task.Completed, 10*time.Second)
	held := h.Add(map[string]any{"url": h.Origin.Add("/held.bin", &enginetest.File{Data: enginetest.Bytes(2048, 3), Gate: gate}), "batch_name": "shelf"})
	h.WaitState(held.ID, task.Downloading, 10*time.Second)

	r := runCLI(t, h, "ls").must(t, 0)
	lines := strings.Split(strings.TrimSpace(r.out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "ID") || !strings.Contains(lines[0], "PROGRESS") {
		t.Fatalf("ls:\n%s", r.out)
	}
	for i, want := range [][]string{{done.ID[:8], "COMPLETED", "100.0%", "3.0 MiB", "done.bin"}, {held.ID[:8], "DOWNLOADING", "0.0%", "2.0 KiB", "held.bin"}} {
		for _, w := range want {
			if !strings.Contains(lines[i+1], w) {
				t.Errorf("ls row %d lacks %q: %q", i+1, w, lines[i+1])
			}
		}
	}

	r = runCLI(t, h, "ls", "--state", "completed").must(t, 0)
	if !strings.Contains(r.out, done.ID[:8]) || strings.Contains(r.out, held.ID[:8]) {
		t.Fatalf("ls --state completed:\n%s", r.out)
	}
	r = runCLI(t, h, "ls", "--state", "paused,failed").must(t, 0)
	if strings.TrimSpace(r.out) != "no downloads" {
		t.Fatalf("ls of nothing: %q", r.out)
	}
	for _, batch := range []string{"shelf", *held.BatchID, (*held.BatchID)[:6]} {
		r = runCLI(t, h, "ls", "--batch", batch).must(t, 0)
		if !strings.Contains(r.out, held.ID[:8]) || strings.Contains(r.out, done.ID[:8]) {
			t.Fatalf("ls --batch %s:\n%s", batch, r.out)
		}
	}
	r = runCLI(t, h, "ls", "--batch", "nosuch").must(t, 1)
	if !strings.Contains(r.errOut, `no batch is called "nosuch"`) {
		t.Fatalf("unknown batch: %q", r.errOut)
	}

	r = runCLI(t, h, "ls", "--json").must(t, 0)
	var got []task.Task
	if err := json.Unmarshal([]byte(r.out), &got); err != nil {
		t.Fatalf("ls --json is not a JSON array of tasks: %v\n%s", err, r.out)
	}
	if len(got) != 2 || got[0].ID != done.ID || got[1].ID != held.ID || got[1].BatchName == nil {
		t.Fatalf("ls --json: %+v", got)
	}
	r = runCLI(t, h, "ls", "--json", "--state", "failed").must(t, 0)
	if strings.TrimSpace(r.out) != "[]" {
		t.Fatalf("empty ls --json: %q", r.out)
	}

	runCLI(t, h, "ls", "--state", "sleeping").must(t, 2)
	runCLI(t, h, "ls", "stray").must(t, 2)
}

func TestClientActions(t *testing.T) {
	h := enginetest.Start(t, nil)
	gate := make(chan struct{})
	data := enginetest.Bytes(4096, 4)
	tk := h.Add(map[string]any{"url": h.Origin.Add("/film.mkv", &enginetest.File{Data: data, Gate: gate})})
	other := h.Add(map[string]any{"url": h.Origin.Add("/other.mkv", &enginetest.File{Data: data, Gate: gate})})
	h.WaitState(tk.ID, task.Downloading, 10*time.Second)

	r := runCLI(t, h, "pause", tk.ID).must(t, 0)
	if !strings.Contains(r.out, "paused "+tk.ID[:8]+" film.mkv (PAUSED)") {
		t.Fatalf("pause: %q", r.out)
	}
	if st := h.Get(tk.ID).State; st != task.Paused {
		t.Fatalf("after pause: %s", st)
	}

	// Pausing it again is a 409: the daemon's message, exit 1.
	r = runCLI(t, h, "pause", tk.ID).must(t, 1)
	if r.errOut != "fetchd: invalid transition: cannot pause a task that is PAUSED\n" {
		t.Fatalf("409: %q", r.errOut)
	}

	// Short ids work, as ls shows them.
	runCLI(t, h, "resume", tk.ID[:8]).must(t, 0)
	h.WaitState(tk.ID, task.Downloading, 10*time.Second)

	// Several ids: each is tried, failures are named, the exit code is 1.
	h.WaitState(other.ID, task.Downloading, 10*time.Second)
	runCLI(t, h, "pause", other.ID).must(t, 0)
	r = runCLI(t, h, "cancel", tk.ID, other.ID, "00000000-0000-4000-8000-000000000000").must(t, 1)
	if !strings.Contains(r.errOut, "fetchd: 00000000-0000-4000-8000-000000000000: not found") || strings.Count(r.out, "cancelled ") != 2 {
		t.Fatalf("cancel three: out %q err %q", r.out, r.errOut)
	}
	for _, id := range []string{tk.ID, other.ID} {
		if st := h.Get(id).State; st != task.Cancelled {
			t.Fatalf("after cancel: %s", st)
		}
	}

	runCLI(t, h, "retry", tk.ID).must(t, 0)
	close(gate)
	h.WaitState(tk.ID, task.Completed, 10*time.Second)
	path := filepath.Join(h.Cfg.DownloadDir, "film.mkv")
	if !enginetest.Exists(path) {
		t.Fatal("no file after retry")
	}

	// A prefix that matches nothing, or everything, is refused before any request.
	r = runCLI(t, h, "rm", "zz").must(t, 1)
	if !strings.Contains(r.errOut, `no download has an id starting with "zz"`) {
		t.Fatalf("rm zz: %q", r.errOut)
	}

	r = runCLI(t, h, "rm", tk.ID[:8], "--delete-files").must(t, 0)
	if !strings.Contains(r.out, "removed "+tk.ID[:8]+" film.mkv and its file") {
		t.Fatalf("rm: %q", r.out)
	}
	if code := h.Call("GET", "/api/downloads/"+tk.ID, nil, nil); code != 404 {
		t.Fatalf("GET after rm: %d", code)
	}
	if enginetest.Exists(path) {
		t.Fatal("rm --delete-files left the file")
	}
	runCLI(t, h, "rm", other.ID).must(t, 0)
	if n := len(listAll(t, h, "")); n != 0 {
		t.Fatalf("%d tasks left", n)
	}

	runCLI(t, h, "pause").must(t, 2)
	runCLI(t, h, "rm").must(t, 2)
	runCLI(t, h, "resume", "--all", tk.ID).must(t, 2)
	r = runCLI(t, h, "resume", "--all").must(t, 0)
	if r.out != "resumed 0 downloads\n" {
		t.Fatalf("resume --all: %q", r.out)
	}
}

func TestClientUnreachableAndUsage(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	for _, cmd := range [][]string{{"ls"}, {"add", "http://example.com/f"}, {"pause", "12345678"}, {"watch"}} {
		r := cliAt(t, closed, cmd...).must(t, 1)
		want := "fetchd: cannot reach the daemon at " + closed + " (connection refused): is it running? start it with: fetchd\n"
		if r.errOut != want {
			t.Errorf("%v: stderr %q, want %q", cmd, r.errOut, want)
		}
	}

	// FETCHD_SERVER is the default; a bare host:port means http.
	t.Setenv("FETCHD_SERVER", ln.Addr().String())
	var out, errOut bytes.Buffer
	if handled, code := runClient(context.Background(), []string{"ls"}, &out, &errOut); !handled || code != 1 || !strings.Contains(errOut.String(), closed) {
		t.Fatalf("FETCHD_SERVER: %v %d %q", handled, code, errOut.String())
	}
	if r := cliAt(t, "ftp://host", "ls").must(t, 2); !strings.Contains(r.errOut, "--server must be an http:// or https:// URL") {
		t.Fatalf("bad --server: %q", r.errOut)
	}

	// Not client commands: the daemon runs.
	for _, args := range [][]string{nil, {"--addr", ":0"}, {"--help"}, {"--token", "t"}} {
		if handled, _ := runClient(context.Background(), args, &out, &errOut); handled {
			t.Errorf("%q was taken as a client command", args)
		}
	}

	out.Reset()
	if handled, code := runClient(context.Background(), []string{"help"}, &out, &errOut); !handled || code != 0 {
		t.Fatalf("help: %v %d", handled, code)
	}
	for _, cmd := range []string{"add", "ls", "pause", "resume", "cancel", "retry", "rm", "watch", "FETCHD_TOKEN"} {
		if !strings.Contains(out.String(), cmd) {
			t.Errorf("help does not mention %s:\n%s", cmd, out.String())
		}
	}
	for args, name := range map[string]string{"add --help": "add", "help add": "add", "rm -h": "rm"} {
		out.Reset()
		handled, code := runClient(context.Background(), strings.Fields(args), &out, &errOut)
		if !handled || code != 0 || !strings.HasPrefix(out.String(), "usage: fetchd "+name+" ") {
			t.Errorf("%q: %v %d %q", args, handled, code, out.String())
		}
		if !strings.Contains(out.String(), "--server URL") || name == "add" && !strings.Contains(out.String(), "--batch NAME") || name == "rm" && !strings.Contains(out.String(), "--delete-files") {
			t.Errorf("%q does not list the flags:\n%s", args, out.String())
		}
	}
	if handled, code := runClient(context.Background(), []string{"help", "nope"}, &out, &errOut); !handled || code != 2 {
		t.Fatalf("help nope: %v %d", handled, code)
	}
}

func TestClientToken(t *testing.T) {
	t.Setenv("FETCHD_TOKEN", "")
	h := enginetest.Start(t, func(c *engine.Config) { c.Token = "s3cret" })

	r := runCLI(t, h, "ls").must(t, 1)
	if r.errOut != "fetchd: the daemon requires a token: pass --token or set FETCHD_TOKEN\n" {
		t.Fatalf("no token: %q", r.errOut)
	}
	r = runCLI(t, h, "ls", "--token", "wrong").must(t, 1)
	if !strings.Contains(r.errOut, "refused the token: check --token or FETCHD_TOKEN") {
		t.Fatalf("wrong token: %q", r.errOut)
	}
	runCLI(t, h, "watch").must(t, 1)

	url := h.Origin.Add("/t.bin", &enginetest.File{Data: enginetest.Bytes(100, 5)})
	runCLI(t, h, "add", url, "--token", "s3cret").must(t, 0)
	runCLI(t, h, "ls", "--token", "s3cret").must(t, 0)
	t.Setenv("FETCHD_TOKEN", "s3cret")
	r = runCLI(t, h, "ls").must(t, 0)
	if !strings.Contains(r.out, "t.bin") {
		t.Fatalf("ls with FETCHD_TOKEN: %q", r.out)
	}
}

func TestClientAddRequestOptions(t *testing.T) {
	h := enginetest.Start(t, nil)
	data := enginetest.Bytes(1000, 5)
	sum := sha256.Sum256(data)
	want := http.Header{"Cookie": {"s=1"}, "X-Token": {"a: b"}, "Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte("ann:pw:x"))}}
	url := h.Origin.Add("/opts.bin", &enginetest.File{Data: data, Want: want})
	r := runCLI(t, h, "add", url, "--header", "Cookie: s=1", "--header", "X-Token: a: b", "--user", "ann:pw:x",
		"--category", "films", "--checksum", "sha256:"+hex.EncodeToString(sum[:]), "--connections", "8", "--limit", "2M").must(t, 0)
	ids := addedIDs(t, r.out)
	if len(ids) != 1 {
		t.Fatalf("add: %q", r.out)
	}
	tk := h.WaitState(ids[0], task.Completed, 10*time.Second)
	if tk.Connections != 8 || tk.SpeedLimit != 2<<20 || tk.Category != "films" || enginetest.Deref(tk.Checksum) != "sha256:"+hex.EncodeToString(sum[:]) || tk.Headers["Cookie"] != task.Redacted {
		t.Fatalf("task as added: %+v", tk)
	}

	// In a batch, every item gets them.
	var urls []string
	for _, p := range []string{"/o1.bin", "/o2.bin"} {
		urls = append(urls, h.Origin.Add(p, &enginetest.File{Data: data, Want: want}))
	}
	r = runCLI(t, h, "add", urls[0], urls[1], "--batch", "b", "--header", "Cookie: s=1", "--header", "X-Token: a: b", "--user", "ann:pw:x").must(t, 0)
	for _, id := range addedIDs(t, r.out) {
		h.WaitState(id, task.Completed, 10*time.Second)
	}
	runCLI(t, h, "add", url, "--header", "no colon").must(t, 2)
	runCLI(t, h, "add", urls[0], urls[1], "--checksum", "sha256:"+hex.EncodeToString(sum[:])).must(t, 2)
}
