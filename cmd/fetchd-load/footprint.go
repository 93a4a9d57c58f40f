package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	wsclient "github.com/fetchd/fetchd/wsconn/client"
)

// footprint is what the daemon holds at one moment: what a leak would grow.
type footprint struct {
	RSS        int64 `json:"rss_bytes"`
	Goroutines int64 `json:"goroutines"`
	FDs        int64 `json:"open_fds"`
	StoreBytes int64 `json:"store_bytes"` // -1 when the data dir is not known
}

// footprint reads RSS and open fds from /proc when the pid is known, else
// from the daemon's own process metrics; goroutines always come from
// /metrics (go_goroutines); the store's size is the data dir's bytes.
func (d *daemon) footprint(api *wsclient.REST) footprint {
	m := scrapeMetrics(api, "go_goroutines", "process_resident_memory_bytes", "process_open_fds")
	f := footprint{RSS: -1, Goroutines: -1, FDs: -1, StoreBytes: -1}
	if v, ok := m["go_goroutines"]; ok {
		f.Goroutines = int64(v)
	}
	if v, ok := m["process_resident_memory_bytes"]; ok {
		f.RSS = int64(v)
	}
	if v, ok := m["process_open_fds"]; ok {
		f.FDs = int64(v)
	}
	if s, ok := d.sample(); ok {
		f.RSS = s.rss
	}
	if d.pid != 0 {
		if fds, err := os.ReadDir("/proc/" + strconv.Itoa(d.pid) + "/fd"); err == nil {
			f.FDs = int64(len(fds))
		}
	}
	if d.data != "" {
		f.StoreBytes = dirBytes(d.data)
	}
	return f
}

// dirBytes is the disk space the regular files under dir take, as du counts
// it: allocated blocks, not apparent sizes, since badger preallocates its
// logs as sparse files. -1 if dir cannot be read. Files that vanish while it
// walks (badger compacts) are skipped.
func dirBytes(dir string) int64 {
	if _, err := os.Stat(dir); err != nil {
		return -1
	}
	var n int64
	filepath.WalkDir(dir, func(_ string, e fs.DirEntry, err error) error {
		if err != nil || !e.Type().IsRegular() {
			return nil
		}
		if info, err := e.Info(); err == nil {
			if st, ok := info.Sys().(*syscall.Stat_t); ok {
				n += st.Blocks * 512
			} else {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}
