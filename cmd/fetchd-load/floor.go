package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"
)

// --floor BYTES: what the machine's loopback alone costs, with no daemon, no
// WebSocket and no JSON. A bare sender process writes one BYTES-byte message
// to each of --conns sockets every 500 ms, from as many writer goroutines as
// the daemon's write pool has; this process reads them, a goroutine per
// socket as the harness's clients do, and times each message. The lag of a
// fan-out this machine can carry is at least this.

// floorSenderArg runs the sender side when it is fetchd-load's first argument.
const floorSenderArg = "floor-sender"

type floorResult struct {
	Conns        int     `json:"conns"`
	Bytes        int     `json:"bytes"`
	Writers      int     `json:"writers"`
	Rounds       int     `json:"rounds"`
	Missed       int     `json:"missed"` // messages sent that no reader got
	LagP50       int64   `json:"lag_p50_ms"`
	LagP99       int64   `json:"lag_p99_ms"`
	LagMax       int64   `json:"lag_max_ms"`
	WriteP50     float64 `json:"write_phase_p50_ms"` // one round of writes, first to last
	WriteMax     float64 `json:"write_phase_max_ms"`
	SenderCPU    float64 `json:"sender_cpu_percent"`
	ReaderCPU    float64 `json:"reader_cpu_percent"`
	OfferedMBSec float64 `json:"offered_mb_per_sec"`
}

// senderReport is what the sender prints when it is done.
type senderReport struct {
	Rounds  int       `json:"rounds"`
	WriteMS []float64 `json:"write_ms"`
}

func runFloor(ctx context.Context, o *options, stderr io.Writer) (*floorResult, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	stderr = &lockedWriter{w: stderr} // the sender's stderr is copied in by another goroutine
	writers := max(2, runtime.GOMAXPROCS(0))
	cmd := exec.CommandContext(ctx, self, floorSenderArg,
		"--conns", fmt.Sprint(o.conns), "--bytes", fmt.Sprint(o.floor),
		"--writers", fmt.Sprint(writers), "--duration", o.duration.String())
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the sender: %w", err)
	}
	defer cmd.Process.Kill()
	lines := bufio.NewScanner(out)
	if !lines.Scan() {
		return nil, fmt.Errorf("the sender said nothing: %v", cmd.Wait())
	}
	addr := lines.Text()

	var lag histogram
	got := make([]atomic.Int64, o.conns)
	var readers sync.WaitGroup
	fmt.Fprintf(stderr, "fetchd-load: floor: connecting %d sockets to a bare sender\n", o.conns)
	for i := range o.conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("socket %d: %w", i, err)
		}
		readers.Add(1)
		go func() {
			defer readers.Done()
			defer c.Close()
			buf := make([]byte, o.floor)
			for {
				if _, err := io.ReadFull(c, buf); err != nil {
					return
				}
				lag.observe(time.Since(time.Unix(0, int64(binary.LittleEndian.Uint64(buf)))))
				got[i].Add(1)
			}
		}()
	}
	sender := &daemon{pid: cmd.Process.Pid}
	me := &daemon{pid: os.Getpid()}
	s0, _ := sender.sample()
	m0, _ := me.sample()
	fmt.Fprintf(stderr, "fetchd-load: floor: %s of %d-byte messages every 500 ms\n", o.duration, o.floor)
	if !lines.Scan() {
		return nil, fmt.Errorf("the sender ended without a report: %v", cmd.Wait())
	}
	s1, _ := sender.sample()
	m1, _ := me.sample()
	var rep senderReport
	if err := json.Unmarshal(lines.Bytes(), &rep); err != nil {
		return nil, fmt.Errorf("the sender's report: %w", err)
	}
	readers.Wait()
	if err := cmd.Wait(); err != nil {
		return nil, fmt.Errorf("the sender: %w", err)
	}
	r := &floorResult{Conns: o.conns, Bytes: o.floor, Writers: writers, Rounds: rep.Rounds,
		LagP50: lag.quantile(0.5), LagP99: lag.quantile(0.99), LagMax: lag.max.Load(),
		SenderCPU: cpuPercent(s0, s1), ReaderCPU: cpuPercent(m0, m1),
		OfferedMBSec: float64(o.conns*o.floor) / publishEvery.Seconds() / 1e6}
	for i := range got {
		r.Missed += max(rep.Rounds-int(got[i].Load()), 0)
	}
	if len(rep.WriteMS) > 0 {
		slices.Sort(rep.WriteMS)
		r.WriteP50, r.WriteMax = rep.WriteMS[len(rep.WriteMS)/2], rep.WriteMS[len(rep.WriteMS)-1]
	}
	return r, nil
}

// floorFlags checks the flags of a --floor run, which has no daemon.
func floorFlags(o *options) error {
	switch {
	case o.floor < 8:
		return errors.New("--floor is a message size in bytes, at least 8 (its send time)")
	case o.spawn || o.url != "" || o.versus != "" || o.soak != 0:
		return errors.New("--floor measures the loopback alone: drop --spawn, --url, --versus and --soak")
	case o.conns < 1 || o.duration < time.Second:
		return errors.New("--floor needs --conns of at least 1 and a --duration of at least 1s")
	}
	return nil
}

func (r *floorResult) table(w io.Writer) {
	fmt.Fprintf(w, "the loopback's floor: %d sockets, one %d-byte message each every 500 ms (%.0f MB/s), %d rounds, %d writers; no daemon, no WebSocket, no JSON\n",
		r.Conns, r.Bytes, r.OfferedMBSec, r.Rounds, r.Writers)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "lag p50 / p99 / max\t%d / %d / %d ms\n", r.LagP50, r.LagP99, r.LagMax)
	fmt.Fprintf(tw, "one round of writes, first to last\tp50 %.0f ms, max %.0f ms\n", r.WriteP50, r.WriteMax)
	fmt.Fprintf(tw, "messages missed\t%d\n", r.Missed)
	fmt.Fprintf(tw, "CPU, %% of a core\tsender %.0f, readers %.0f\n", r.SenderCPU, r.ReaderCPU)
	tw.Flush()
}

// floorSender is the sender process: it listens on loopback, prints its
// address, takes conns sockets, writes to all of them every 500 ms for
// duration, closes them and prints its report.
func floorSender(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet(floorSenderArg, flag.ContinueOnError)
	conns := fs.Int("conns", 1, "")
	size := fs.Int("bytes", 8, "")
	writers := fs.Int("writers", 2, "")
	duration := fs.Duration("duration", time.Second, "")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *size < 8 || *conns < 1 || *writers < 1 {
		return errors.New("floor-sender: --bytes at least 8, --conns and --writers at least 1")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, ln.Addr())
	socks := make([]net.Conn, 0, *conns)
	for len(socks) < *conns {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		socks = append(socks, c)
	}
	ln.Close()
	msg := make([]byte, *size)
	for i := range msg {
		msg[i] = byte('a' + i%26)
	}
	rep := senderReport{}
	per := (len(socks) + *writers - 1) / *writers
	next := time.Now()
	for end := next.Add(*duration); next.Before(end); next = next.Add(publishEvery) {
		time.Sleep(time.Until(next))
		start := time.Now()
		binary.LittleEndian.PutUint64(msg, uint64(start.UnixNano()))
		var wg sync.WaitGroup
		for part := range slices.Chunk(socks, per) {
			wg.Go(func() {
				for _, c := range part {
					c.Write(msg) // readers read: a failed write is a missed message, counted by them
				}
			})
		}
		wg.Wait()
		rep.Rounds++
		rep.WriteMS = append(rep.WriteMS, float64(time.Since(start).Microseconds())/1000)
	}
	for _, c := range socks {
		c.Close()
	}
	return json.NewEncoder(stdout).Encode(rep)
}

// lockedWriter lets two goroutines write to one writer.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
