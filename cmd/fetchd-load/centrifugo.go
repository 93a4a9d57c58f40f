package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// The other side of --versus: Centrifugo, a general-purpose real-time
// messaging server, built from its module at a pinned version and run on
// loopback with clients that need no tokens.

const (
	centrifugoModule  = "github.com/centrifugal/centrifugo/v6"
	centrifugoVersion = "v6.9.1"
	centrifugoChannel = "tasks"
)

// centrifugoBinary returns a Centrifugo binary: explicit if given, else the
// one cached under the user cache dir, built there first if missing. A file
// lock lets parallel runs (and test binaries) build it once.
func centrifugoBinary(ctx context.Context, explicit string, progress io.Writer) (string, error) {
	if explicit != "" {
		if _, err := os.Stat(explicit); err != nil {
			return "", fmt.Errorf("--centrifugo: %w", err)
		}
		return explicit, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache dir for the Centrifugo binary (pass --centrifugo): %w", err)
	}
	dir := filepath.Join(cache, "fetchd-load", "centrifugo-"+centrifugoVersion)
	bin := filepath.Join(dir, "centrifugo")
	if isExecutable(bin) {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	unlock, err := lockPath(filepath.Join(dir, ".lock"))
	if err != nil {
		return "", err
	}
	defer unlock()
	if isExecutable(bin) { // built while we waited for the lock
		return bin, nil
	}
	return bin, goInstall(ctx, dir, centrifugoModule+"@"+centrifugoVersion, progress)
}

// goInstall runs go install with GOBIN=dir, printing a progress line as the
// packages build; on failure its error carries go's output.
func goInstall(ctx context.Context, dir, pkg string, progress io.Writer) error {
	cmd := exec.CommandContext(ctx, "go", "install", "-v", pkg)
	cmd.Env = append(os.Environ(), "GOBIN="+dir)
	cmd.Dir = dir // outside any module, so that go install builds pkg by itself
	out, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	cmd.Stdout = cmd.Stderr
	start := time.Now()
	fmt.Fprintf(progress, "fetchd-load: building %s (a few minutes on a clean machine; cached in %s)\n", pkg, dir)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("go install %s: %w", pkg, err)
	}
	var tail bytes.Buffer // the last of go's output, for the error
	sc := bufio.NewScanner(out)
	n := 0
	for sc.Scan() {
		n++
		tail.Write(sc.Bytes())
		tail.WriteByte('\n')
		if tail.Len() > 16<<10 {
			tail.Next(tail.Len() - 8<<10)
		}
		fmt.Fprintf(progress, "\r%-100s", fmt.Sprintf("  %d packages, %s: %s", n, time.Since(start).Round(time.Second), sc.Text()))
	}
	fmt.Fprintln(progress)
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("go install %s failed: %v\n%s", pkg, err, tail.Bytes())
	}
	fmt.Fprintf(progress, "fetchd-load: built Centrifugo in %s\n", time.Since(start).Round(time.Second))
	return nil
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// lockPath holds an exclusive lock on path until the returned func is called.
func lockPath(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}

// centrifugoConfig is a configuration for one loopback node: clients connect
// and subscribe without tokens (insecure client mode), the HTTP API takes
// key, nothing limits the number of connections, and nothing leaves the
// machine (no usage statistics). With compress it negotiates
// permessage-deflate, compressing what fetchd compresses (1 KiB or more).
func centrifugoConfig(port int, key string, compress bool) []byte {
	cfg := map[string]any{
		"websocket":   map[string]any{"compression": compress, "compression_min_size": 1024},
		"http_server": map[string]any{"address": "127.0.0.1", "port": port},
		"log":         map[string]any{"level": "error"},
		"client":      map[string]any{"insecure": true, "connection_limit": 0, "connection_rate_limit": 0},
		"http_api":    map[string]any{"key": key},
		"health":      map[string]any{"enabled": true},
		"usage_stats": map[string]any{"disabled": true},
	}
	raw, _ := json.MarshalIndent(cfg, "", "  ")
	return raw
}

// centrifugo is a running node: its daemon (for sampling) and the key of
// its HTTP API.
type centrifugo struct {
	*daemon
	key    string
	cmd    *exec.Cmd
	exited chan error
	dir    string
}

// startCentrifugo runs bin on a free loopback port with a generated config
// in a temp dir, and waits until it answers /health.
func startCentrifugo(ctx context.Context, bin string, compress bool) (*centrifugo, error) {
	dir, err := os.MkdirTemp("", "fetchd-versus-centrifugo-")
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	p, _ := strconv.Atoi(port)
	key := randomKey()
	cfgPath := filepath.Join(dir, "config.json")
	if err := os.WriteFile(cfgPath, centrifugoConfig(p, key, compress), 0o600); err != nil {
		return nil, err
	}
	var out bytes.Buffer // exec writes it from one goroutine; read once the node exited
	cmd := exec.Command(bin, "--config", cfgPath)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start Centrifugo (%s): %w", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	c := &centrifugo{daemon: &daemon{base: "http://127.0.0.1:" + port, pid: cmd.Process.Pid}, key: key, cmd: cmd, exited: exited, dir: dir}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(c.base + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return c, nil
			}
		}
		select {
		case err := <-exited:
			os.RemoveAll(dir)
			return nil, fmt.Errorf("Centrifugo exited before it was healthy (%v):\n%s", err, out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			c.stop()
			return nil, fmt.Errorf("Centrifugo not healthy at %s within 30 s:\n%s", c.base, out.String())
		}
	}
}

// stop ends the node (killing it after 15 s) and removes its files.
func (c *centrifugo) stop() {
	c.cmd.Process.Signal(os.Interrupt)
	select {
	case <-c.exited:
	case <-time.After(15 * time.Second):
		c.cmd.Process.Kill()
		<-c.exited
	}
	os.RemoveAll(c.dir)
}

func randomKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// publish sends data to channel through the HTTP API.
func (c *centrifugo) publish(ctx context.Context, client *http.Client, channel string, data []byte) error {
	body := make([]byte, 0, len(data)+64)
	body = append(body, `{"channel":`...)
	body = strconv.AppendQuote(body, channel)
	body = append(body, `,"data":`...)
	body = append(body, data...)
	body = append(body, '}')
	req, err := http.NewRequestWithContext(ctx, "POST", c.base+"/api/publish", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-Key", c.key)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	var r struct {
		Error *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(reply, &r) != nil || r.Error != nil {
		return fmt.Errorf("publish: %s: %s", resp.Status, bytes.TrimSpace(reply))
	}
	return nil
}

// stampTS returns frame with the value of its first "ts" replaced by ts:
// every publication carries its own send time, as fetchd's batches do, so
// lag is measured the same way on both sides.
func stampTS(frame []byte, ts int64) ([]byte, error) {
	key := []byte(`"ts":`)
	i := bytes.Index(frame, key)
	if i < 0 {
		return nil, errors.New(`frame has no "ts"`)
	}
	start := i + len(key)
	end := start
	for end < len(frame) && frame[end] >= '0' && frame[end] <= '9' {
		end++
	}
	if end == start {
		return nil, errors.New(`frame's "ts" is not a number`)
	}
	out := make([]byte, 0, len(frame)+8)
	out = append(out, frame[:start]...)
	out = strconv.AppendInt(out, ts, 10)
	return append(out, frame[end:]...), nil
}

// dialCentrifugo connects to a node's WebSocket endpoint with its JSON
// protocol, sends connect (no token: insecure mode) and subscribes to
// channel, returning once the subscription is confirmed. With compress it
// offers permessage-deflate.
func dialCentrifugo(ctx context.Context, base, channel string, compress bool) (*wire, error) {
	w, err := dialWire(ctx, base, "/connection/websocket", "", "", compress)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", base, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		w.conn.SetReadDeadline(dl)
	}
	sub, _ := json.Marshal(map[string]any{"id": 2, "subscribe": map[string]string{"channel": channel}})
	for id, cmd := range [][]byte{[]byte(`{"id":1,"connect":{}}`), sub} {
		if err := w.send(cmd); err == nil {
			err = awaitReply(w, uint32(id+1))
		}
		if err != nil {
			w.close()
			return nil, fmt.Errorf("centrifugo %s: %w", cmd, err)
		}
	}
	w.conn.SetReadDeadline(time.Time{})
	return w, nil
}

// awaitReply reads until the reply to command id, answering pings on the way.
func awaitReply(w *wire, id uint32) error {
	for {
		frame, _, err := w.next(true)
		if err != nil {
			return err
		}
		for line := range bytes.SplitSeq(frame, []byte{'\n'}) {
			if centrifugoPing(line) {
				w.send(line)
				continue
			}
			var r struct {
				ID    uint32 `json:"id"`
				Error *struct {
					Code    int    `json:"code"`
					Message string `json:"message"`
				} `json:"error"`
			}
			if json.Unmarshal(line, &r) != nil || r.ID != id {
				continue
			}
			if r.Error != nil {
				return fmt.Errorf("error %d: %s", r.Error.Code, r.Error.Message)
			}
			return nil
		}
	}
}

// centrifugoPing reports whether a message is the server's ping, an empty
// object, which the client must answer with the same.
func centrifugoPing(raw []byte) bool { return string(bytes.TrimSpace(raw)) == "{}" }
