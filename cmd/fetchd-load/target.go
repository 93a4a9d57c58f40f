package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// daemon is the fetchd under test.
type daemon struct {
	base string
	pid  int
	cmd  *exec.Cmd // when spawned
	dir  string    // when spawned: removed at stop
	data string    // the data dir, when known: its size is the store's
	bin  string    // when spawned: the fetchd binary
	nats string    // when spawned with gateways: the bus's URL
}

// target returns the daemon: a spawned one on a temp dir, or the one at --url.
func target(ctx context.Context, o *options) (*daemon, error) {
	if o.url != "" {
		u, err := url.Parse(o.url)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("bad --url %q", o.url)
		}
		if !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("--url must be a loopback address: this harness only loads this machine")
		}
		d := &daemon{base: strings.TrimRight(o.url, "/"), pid: o.daemonPID, data: o.dataDir}
		return d, d.waitHealthy(ctx, 5*time.Second)
	}
	dir, err := os.MkdirTemp("", "fetchd-load-")
	if err != nil {
		return nil, err
	}
	bin := o.fetchdBin
	if bin == "" {
		bin = filepath.Join(dir, "fetchd")
		if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/fetchd").CombinedOutput(); err != nil {
			return nil, fmt.Errorf("build fetchd (run from the module root, or pass --fetchd): %v\n%s", err, out)
		}
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	args := []string{"--addr", "127.0.0.1:" + port, "--data-dir", filepath.Join(dir, "data"), "--download-dir", filepath.Join(dir, "dl"), "--log-level", "warn"}
	if o.daemonPprof {
		args = append(args, "--pprof")
	}
	if o.token != "" {
		args = append(args, "--token", o.token)
	}
	var natsURL string
	if o.gateways > 0 {
		natsPort, err := freePort()
		if err != nil {
			return nil, err
		}
		natsURL = "nats://127.0.0.1:" + natsPort
		args = append(args, "--nats-listen", "127.0.0.1:"+natsPort)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	d := &daemon{base: "http://127.0.0.1:" + port, pid: cmd.Process.Pid, cmd: cmd, dir: dir, data: filepath.Join(dir, "data"), bin: bin, nats: natsURL}
	if err := d.waitHealthy(ctx, 20*time.Second); err != nil {
		d.stop()
		return nil, err
	}
	return d, nil
}

// spawnGateways starts n gateway processes on the spawned daemon's bus and
// waits until each follows its stream.
func spawnGateways(ctx context.Context, d *daemon, n int, token string) ([]*daemon, error) {
	var out []*daemon
	for range n {
		port, err := freePort()
		if err != nil {
			return out, err
		}
		args := []string{"gateway", "--nats", d.nats, "--addr", "127.0.0.1:" + port, "--log-level", "warn"}
		if token != "" {
			args = append(args, "--token", token)
		}
		cmd := exec.Command(d.bin, args...)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			return out, err
		}
		g := &daemon{base: "http://127.0.0.1:" + port, pid: cmd.Process.Pid, cmd: cmd}
		out = append(out, g)
		if err := g.waitHealthy(ctx, 30*time.Second); err != nil {
			return out, err
		}
	}
	return out, nil
}

func (d *daemon) waitHealthy(ctx context.Context, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		resp, err := http.Get(d.base + "/api/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("no healthy daemon at %s: %v", d.base, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop ends a spawned daemon and removes its files.
func (d *daemon) stop() {
	if d.cmd == nil {
		return
	}
	d.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { d.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		d.cmd.Process.Kill()
		<-done
	}
	if d.dir != "" {
		os.RemoveAll(d.dir)
	}
}

// sample is the daemon's resident memory and CPU time, from /proc.
type sample struct {
	at     time.Time
	rss    int64 // bytes
	cpuSec float64
}

func (d *daemon) sample() (sample, bool) {
	if d.pid == 0 {
		return sample{}, false
	}
	s := sample{at: time.Now()}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", d.pid))
	if err != nil {
		return s, false
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
			s.rss = kb << 10
		}
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", d.pid))
	if err != nil {
		return s, false
	}
	// Fields after the ")" that closes the command name: utime is the 12th, stime the 13th.
	f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	if len(f) > 12 {
		ut, _ := strconv.ParseFloat(f[11], 64)
		st, _ := strconv.ParseFloat(f[12], 64)
		s.cpuSec = (ut + st) / 100 // USER_HZ
	}
	return s, true
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port, nil
}
