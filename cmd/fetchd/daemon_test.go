package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/engine/task"
)

// The daemon as users run it: a real process, killed with SIGTERM and -9.

func buildDaemon(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "fetchd")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

type daemon struct {
	t    *testing.T
	cmd  *exec.Cmd
	base string
	logs *bytes.Buffer
}

func startDaemon(t *testing.T, bin, dir string, args ...string) *daemon {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	d := &daemon{t: t, base: "http://" + addr, logs: &bytes.Buffer{}}
	d.cmd = exec.Command(bin, append([]string{"--addr", addr, "--data-dir", filepath.Join(dir, "data"), "--download-dir", filepath.Join(dir, "dl")}, args...)...)
	d.cmd.Stdout, d.cmd.Stderr = d.logs, d.logs
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.cmd.Process.Kill(); d.cmd.Wait() })
	enginetest.Eventually(t, 20*time.Second, "the daemon to answer", func() bool {
		resp, err := http.Get(d.base + "/api/health")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == 200
	})
	return d
}

// exitsCleanly waits for the process to exit 0 after what stopped it.
func (d *daemon) exitsCleanly(after string) {
	d.t.Helper()
	done := make(chan error, 1)
	go func() { done <- d.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			d.t.Fatalf("exit after %s: %v\n%s", after, err, d.logs)
		}
	case <-time.After(15 * time.Second):
		d.t.Fatalf("daemon did not exit after %s", after)
	}
}

func (d *daemon) getTask(id string) task.Task {
	d.t.Helper()
	resp, err := http.Get(d.base + "/api/downloads/" + id)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	var tk task.Task
	json.NewDecoder(resp.Body).Decode(&tk)
	return tk
}

func (d *daemon) add(url string) task.Task {
	d.t.Helper()
	resp, err := http.Post(d.base+"/api/downloads", "application/json", strings.NewReader(fmt.Sprintf(`{"url":%q}`, url)))
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	var tk task.Task
	json.NewDecoder(resp.Body).Decode(&tk)
	if resp.StatusCode != 201 {
		d.t.Fatalf("add: %d", resp.StatusCode)
	}
	return tk
}

// completes waits for the task to complete and checks its file holds data.
func (d *daemon) completes(id, path string, data []byte) {
	d.t.Helper()
	enginetest.Eventually(d.t, 30*time.Second, "completion after kill -9", func() bool {
		st := d.getTask(id).State
		if st == task.Failed {
			d.t.Fatalf("failed: %s", d.logs)
		}
		return st == task.Completed
	})
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, data) {
		d.t.Fatalf("file after kill -9 and resume: %d bytes, %v", len(got), err)
	}
}

func TestDaemonSurvivesKill9AndStopsOnSIGTERM(t *testing.T) {
	bin := buildDaemon(t)
	dir := t.TempDir()
	origin := enginetest.NewOrigin(t)
	data := enginetest.Bytes(3<<20, 11)
	url := origin.Add("/movie.mkv", &enginetest.File{Data: data, Rate: 1 << 20})

	d := startDaemon(t, bin, dir)
	tk := d.add(url)
	enginetest.Eventually(t, 10*time.Second, "progress", func() bool { return d.getTask(tk.ID).Downloaded > 256<<10 })
	d.cmd.Process.Signal(syscall.SIGKILL)
	d.cmd.Wait()

	d = startDaemon(t, bin, dir)
	d.completes(tk.ID, filepath.Join(dir, "dl", "movie.mkv"), data)
	reqs := origin.Requests("/movie.mkv")
	if reqs[len(reqs)-1].Start == 0 {
		t.Fatal("after kill -9 the download started over instead of resuming")
	}

	d.cmd.Process.Signal(syscall.SIGTERM)
	d.exitsCleanly("SIGTERM")
	for _, line := range strings.Split(strings.TrimSpace(d.logs.String()), "\n") {
		var entry map[string]any
		if err := json.Unmarshal([]byte(line), &entry); err != nil || entry["component"] == nil {
			t.Errorf("log line is not JSON with a component: %s", line)
		}
	}
}

// A segmented download killed with -9 resumes every range from its last
// checkpoint, which is at most about a second old: the restart asks for
// each range from where the checkpoint left it, not from its start.
func TestSegmentedDownloadResumesRangesAfterKill9(t *testing.T) {
	const rate = 512 << 10 // per connection; the connections setting is 4
	bin := buildDaemon(t)
	dir := t.TempDir()
	origin := enginetest.NewOrigin(t)
	data := enginetest.Bytes(32<<20, 12)
	url := origin.Add("/disk.img", &enginetest.File{Data: data, Rate: rate, ETag: `"d1"`})

	d := startDaemon(t, bin, dir)
	tk := d.add(url)
	var atKill int64
	enginetest.Eventually(t, 20*time.Second, "a quarter on disk", func() bool {
		atKill = d.getTask(tk.ID).Downloaded
		return atKill > 8<<20
	})
	d.cmd.Process.Signal(syscall.SIGKILL)
	d.cmd.Wait()
	before := origin.Requests("/disk.img")
	origin.SetRate("/disk.img", 0) // the rest at full speed

	d = startDaemon(t, bin, dir)
	d.completes(tk.ID, filepath.Join(dir, "dl", "disk.img"), data)

	// Each range of the first run, from its start to the next one's, is
	// asked for again from its checkpoint.
	var starts []int64
	for _, r := range before {
		starts = append(starts, r.Start)
	}
	slices.Sort(starts)
	starts = append(slices.Compact(starts), int64(len(data)))
	var kept int64
	after := origin.Requests("/disk.img")[len(before):]
	for i, from := range starts[:len(starts)-1] {
		first := slices.IndexFunc(after, func(a enginetest.Request) bool { return a.Start >= from && a.Start < starts[i+1] })
		if first < 0 {
			t.Fatalf("the range from %d was not asked for again", from)
		}
		kept += after[first].Start - from
	}
	// What the daemon had and the checkpoints did not: the progress report
	// (every 250 ms) plus the checkpoint (every second) plus polling.
	lost := atKill - kept
	t.Logf("after kill -9 with %d bytes downloaded, the checkpoints kept %d: %d lost, %.2f s of transfer", atKill, kept, lost, float64(lost)/(4*rate))
	if lost > 2*4*rate {
		t.Fatalf("%d of the %d bytes it had were lost at kill -9, over 2 s of transfer: the ranges were not checkpointed every second", lost, atKill)
	}
}
