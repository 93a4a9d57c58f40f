package engine_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/fetchd/fetchd/engine"
	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/engine/task"
	"github.com/fetchd/fetchd/persistence"
)

// Benchmarks of the engine core. Run them with, for example:
//
//	go test -run '^$' -bench . -benchtime 1x ./engine

func openBench(b *testing.B, cfg engine.Config) *engine.Engine {
	b.Helper()
	cfg.Logger = zerolog.Nop()
	eng, err := engine.Open(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { eng.Close(context.Background()) })
	return eng
}

// waitAll polls the engine until n tasks have completed.
func waitAll(b *testing.B, eng *engine.Engine, n int) {
	for {
		s, err := eng.Stats()
		if err != nil {
			b.Fatal(err)
		}
		if s.Failed > 0 {
			b.Fatalf("%d downloads failed", s.Failed)
		}
		if s.Completed >= n {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// servedFile serves data with Range support, as a static file server would.
func servedFile(b *testing.B, data []byte) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "blob.bin", time.Time{}, bytes.NewReader(data))
	}))
	b.Cleanup(srv.Close)
	return srv.URL + "/blob.bin"
}

// BenchmarkDownload1GiB downloads one 1 GiB file from a loopback origin with
// fetchd, over 1 and over 8 connections, and, in the same run, with curl -o,
// and reports the ratio.
func BenchmarkDownload1GiB(b *testing.B) {
	const size = 1 << 30
	data := enginetest.Bytes(size, 1)
	url := servedFile(b, data)
	curl, curlErr := exec.LookPath("curl")
	for _, conns := range []int{1, 8} {
		b.Run(fmt.Sprintf("connections=%d", conns), func(b *testing.B) {
			var fetchdTime, curlTime time.Duration
			b.SetBytes(size)
			for i := range b.N {
				dir := b.TempDir()
				// curl goes first, so any write-back of its file slows fetchd, not it.
				if curlErr == nil {
					b.StopTimer()
					curlTime += timeCommand(b, curl, "-s", "-o", filepath.Join(dir, "curl.bin"), url)
					os.Remove(filepath.Join(dir, "curl.bin"))
					b.StartTimer()
				}
				fetchdTime += timeFetchd(b, dir, url, conns, i)
				os.RemoveAll(dir)
			}
			b.ReportMetric(mibps(size*b.N, fetchdTime), "fetchd-MiB/s")
			if curlErr == nil {
				b.ReportMetric(mibps(size*b.N, curlTime), "curl-MiB/s")
				b.ReportMetric(curlTime.Seconds()/fetchdTime.Seconds(), "fetchd/curl")
			}
		})
	}
}

// BenchmarkSegmented48MiB downloads 48 MiB from an origin that serves each
// connection at 2 MiB/s: fetchd over 8 connections against fetchd over 1
// and, when installed, aria2c -x8 -s8 -k1M, in the same run.
func BenchmarkSegmented48MiB(b *testing.B) {
	const size = 48 << 20
	origin := enginetest.NewOrigin(b)
	url := origin.Add("/throttled.bin", &enginetest.File{Data: enginetest.Bytes(size, 3), Rate: 2 << 20, ETag: `"t"`})
	aria2, aria2Err := exec.LookPath("aria2c")
	var one, eight, aria time.Duration
	b.SetBytes(size)
	for i := range b.N {
		dir := b.TempDir()
		eight += timeFetchd(b, dir, url, 8, i)
		one += timeFetchd(b, dir, url, 1, i+b.N)
		if aria2Err == nil {
			aria += timeCommand(b, aria2, "-q", "-x8", "-s8", "-k1M", "--allow-overwrite=true", "-d", dir, "-o", "aria2.bin", url)
		}
		os.RemoveAll(dir)
	}
	b.ReportMetric(eight.Seconds()/float64(b.N), "s/fetchd-8")
	b.ReportMetric(one.Seconds()/float64(b.N), "s/fetchd-1")
	b.ReportMetric(eight.Seconds()/one.Seconds(), "fetchd-8/fetchd-1")
	if aria2Err == nil {
		b.ReportMetric(aria.Seconds()/float64(b.N), "s/aria2c")
		b.ReportMetric(eight.Seconds()/aria.Seconds(), "fetchd-8/aria2c")
	}
}

// timeFetchd downloads url into dir with a fresh engine over conns
// connections and returns how long it took from the add to completion.
func timeFetchd(b *testing.B, dir, url string, conns, n int) time.Duration {
	eng := openBench(b, engine.Config{DownloadDir: dir})
	defer eng.Close(context.Background())
	start := time.Now()
	if _, err := eng.Add(task.AddRequest{URL: url, Filename: fmt.Sprintf("f%d", n), Connections: conns, Force: true}); err != nil {
		b.Fatal(err)
	}
	waitAll(b, eng, 1)
	return time.Since(start)
}

// timeCommand runs a command and returns how long it took.
func timeCommand(b *testing.B, name string, args ...string) time.Duration {
	start := time.Now()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		b.Fatalf("%s: %v\n%s", name, err, out)
	}
	return time.Since(start)
}

func mibps(bytes int, d time.Duration) float64 { return float64(bytes) / d.Seconds() / (1 << 20) }

// BenchmarkDownload200x1MiB downloads 200 files of 1 MiB with max_concurrent 8.
func BenchmarkDownload200x1MiB(b *testing.B) {
	const files = 200
	data := enginetest.Bytes(1<<20, 2)
	url := servedFile(b, data)
	eight := 8
	b.SetBytes(files << 20)
	for range b.N {
		b.StopTimer()
		dir := b.TempDir()
		eng := openBench(b, engine.Config{DownloadDir: dir, Settings: task.SettingsPatch{MaxConcurrent: &eight}})
		b.StartTimer()
		for i := range files {
			if _, err := eng.Add(task.AddRequest{URL: fmt.Sprintf("%s?n=%d", url, i)}); err != nil {
				b.Fatal(err)
			}
		}
		waitAll(b, eng, files)
		b.StopTimer()
		eng.Close(context.Background())
		os.RemoveAll(dir)
		b.StartTimer()
	}
}

// BenchmarkOpen10kTasks measures start-up on a store holding 10,000 tasks:
// Open until the engine answers its first request.
func BenchmarkOpen10kTasks(b *testing.B) {
	dataDir := b.TempDir()
	store, err := persistence.Open(dataDir, zerolog.Nop())
	if err != nil {
		b.Fatal(err)
	}
	states := []task.State{task.Completed, task.Paused, task.Failed, task.Cancelled}
	batch := make([]task.Task, 0, 500)
	for i := range 10_000 {
		batch = append(batch, task.Task{
			ID: uuid.NewString(), URL: fmt.Sprintf("http://127.0.0.1:1/f%d", i), Filename: fmt.Sprintf("f%d", i),
			State: states[i%len(states)], CreatedAt: task.Now(), Size: 1 << 20, Downloaded: 1 << 20, Meta: map[string]string{},
		})
		if len(batch) == cap(batch) {
			if err := store.SaveTasks(batch...); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	store.Close()
	b.ResetTimer()
	for range b.N {
		eng, err := engine.Open(engine.Config{DataDir: dataDir, DownloadDir: b.TempDir(), Logger: zerolog.Nop()})
		if err != nil {
			b.Fatal(err)
		}
		if s, err := eng.Stats(); err != nil || s.DBCounts["all"] != 10_000 {
			b.Fatalf("stats %+v %v", s, err)
		}
		b.StopTimer()
		eng.Close(context.Background())
		b.StartTimer()
	}
}

// BenchmarkBatchOfOneName adds a batch of 2,000 items that all want the same
// file name: each gets the next free " (n)" without the manager rescanning
// the tasks for every try.
func BenchmarkBatchOfOneName(b *testing.B) {
	items := make([]task.BatchItem, 2000)
	for i := range items {
		items[i] = task.BatchItem{URL: fmt.Sprintf("http://127.0.0.1:1/f%d", i), Filename: "same.bin"}
	}
	for range b.N {
		b.StopTimer()
		n := 1
		eng, err := engine.Open(engine.Config{DownloadDir: b.TempDir(), Logger: zerolog.Nop(), Settings: task.SettingsPatch{MaxConcurrent: &n}})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := eng.AddBatch(task.BatchRequest{BatchName: "one name", Items: items}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		eng.Close(context.Background())
		b.StartTimer()
	}
}
