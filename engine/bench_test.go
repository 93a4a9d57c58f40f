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
// fetchd and, in the same run, with curl -o, and reports the ratio.
func BenchmarkDownload1GiB(b *testing.B) {
	const size = 1 << 30
	data := enginetest.Bytes(size, 1)
	url := servedFile(b, data)
	curl, curlErr := exec.LookPath("curl")
	var fetchdTime, curlTime time.Duration
	b.SetBytes(size)
	b.ResetTimer()
	for i := range b.N {
		dir := b.TempDir()
		// curl goes first, so any write-back of its file slows fetchd, not it.
		if curlErr == nil {
			b.StopTimer()
			out := filepath.Join(dir, "curl.bin")
			start := time.Now()
			if err := exec.Command(curl, "-s", "-o", out, url).Run(); err != nil {
				b.Fatal(err)
			}
			curlTime += time.Since(start)
			os.Remove(out)
			b.StartTimer()
		}
		eng := openBench(b, engine.Config{DownloadDir: dir})
		start := time.Now()
		if _, err := eng.Add(task.AddRequest{URL: url, Filename: fmt.Sprintf("f%d", i)}); err != nil {
			b.Fatal(err)
		}
		waitAll(b, eng, 1)
		fetchdTime += time.Since(start)
		eng.Close(context.Background())
		os.RemoveAll(dir)
	}
	mbps := func(d time.Duration) float64 { return float64(size) * float64(b.N) / d.Seconds() / (1 << 20) }
	b.ReportMetric(mbps(fetchdTime), "fetchd-MiB/s")
	if curlErr == nil {
		b.ReportMetric(mbps(curlTime), "curl-MiB/s")
		b.ReportMetric(curlTime.Seconds()/fetchdTime.Seconds(), "fetchd/curl")
	}
}

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
