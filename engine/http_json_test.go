package engine

import (
	"fmt"
	"io/fs"
	"net/http"
	"syscall"
	"testing"
)

// A full disk under the store is the operator's to fix, not a bug: the client
// learns it from 507, and may send the change again once there is room.
func TestAFullDiskIsInsufficientStorage(t *testing.T) {
	full := fmt.Errorf("save task: %w", &fs.PathError{Op: "write", Path: "/data/000001.vlog", Err: syscall.ENOSPC})
	if e := apiError(full); e.Status != http.StatusInsufficientStorage || e.Code != "insufficient_storage" {
		t.Fatalf("a full disk answers %d %s, want 507 insufficient_storage", e.Status, e.Code)
	}
	if e := apiError(fmt.Errorf("save task: %w", syscall.EIO)); e.Status != http.StatusInternalServerError {
		t.Fatalf("another write error answers %d, want 500", e.Status)
	}
}
