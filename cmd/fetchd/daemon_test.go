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
// checkpoint: the origin sends the file once and only a little again.
func TestSegmentedDownloadResumesRangesAfterKill9(t *testing.T) {
	bin := buildDaemon(t)
	dir := t.TempDir()
	origin := enginetest.NewOrigin(t)
	data := enginetest.Bytes(32<<20, 12)
	url := origin.Add("/disk.img", &enginetest.File{Data: data, Rate: 512 << 10, ETag: `"d1"`})

	d := startDaemon(t, bin, dir)
	tk := d.add(url) // the connections setting: 4
	var atKill int64
	enginetest.Eventually(t, 20*time.Second, "a quarter on disk", func() bool {
		atKill = d.getTask(tk.ID).Downloaded
		return atKill > 8<<20
	})
	d.cmd.Process.Signal(syscall.SIGKILL)
	d.cmd.Wait()
	sentAtKill := origin.BytesSent() // with what sat in socket buffers, lost
	origin.SetRate("/disk.img", 0)   // the rest at full speed

	d = startDaemon(t, bin, dir)
	d.completes(tk.ID, filepath.Join(dir, "dl", "disk.img"), data)
	// Starting over fetches again all it had; resuming, only what it had
	// not checkpointed yet, a second or two of transfer.
	again := origin.BytesSent() - sentAtKill - (int64(len(data)) - atKill)
	t.Logf("after kill -9 with %d bytes downloaded, %d fetched again", atKill, again)
	if again > atKill/2 {
		t.Fatalf("%d of the %d bytes it had were fetched again after kill -9: the ranges were not resumed", again, atKill)
	}
}
