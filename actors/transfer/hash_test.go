package transfer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// Re-hashing a part file stops with the transfer: a stop during it is a stop,
// not a sum and not a failed task.
func TestHashingAPartFileStopsWithTheTransfer(t *testing.T) {
	dir := t.TempDir()
	tr := &transfer{job: Job{Dir: dir, Filename: "big.bin"}}
	if err := os.WriteFile(filepath.Join(dir, "big.bin.part"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(filepath.Join(dir, "big.bin.part"), 64<<20); err != nil { // sparse: cheap to make
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	sum, err := tr.hashPart(ctx)
	if sum != nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("hashPart after a stop: sum %v, err %v; want the stop", sum, err)
	}
	if sum, err := tr.hashPart(context.Background()); err != nil || sum == nil {
		t.Fatalf("hashPart: %v", err)
	}
}
