package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/engine/task"
)

func TestClientBatchActions(t *testing.T) {
	h := enginetest.Start(t, nil)
	gate := make(chan struct{})
	defer close(gate)
	add := func(name, batch string) task.Task {
		url := h.Origin.Add("/"+name, &enginetest.File{Data: enginetest.Bytes(2048, 5), Gate: gate})
		return h.Add(map[string]any{"url": url, "batch_name": batch})
	}
	a1 := add("a1.bin", "shelf")
	h.Call("POST", "/api/downloads", map[string]any{"url": h.Origin.Add("/a2.bin", &enginetest.File{Data: enginetest.Bytes(2048, 6), Gate: gate}),
		"batch_id": *a1.BatchID}, nil)
	other := add("o.bin", "other")

	r := runCLI(t, h, "pause", "--batch", "shelf").must(t, 0)
	if r.out != "paused 2 downloads of batch shelf ("+(*a1.BatchID)[:8]+")\n" {
		t.Fatalf("pause --batch: %q", r.out)
	}
	for _, tk := range listAll(t, h, "&batch_id="+*a1.BatchID) {
		if tk.State != task.Paused {
			t.Fatalf("after pause --batch: %s is %s", tk.ID, tk.State)
		}
	}
	if st := h.Get(other.ID).State; st == task.Paused {
		t.Fatal("pause --batch shelf paused another batch")
	}
	// By id prefix, together with a task id.
	r = runCLI(t, h, "resume", "--batch", (*a1.BatchID)[:6], other.ID).must(t, 1)
	if !strings.Contains(r.out, "resumed 2 downloads of batch") || !strings.Contains(r.errOut, "cannot resume") {
		t.Fatalf("resume --batch and an id: out %q err %q", r.out, r.errOut)
	}
	h.WaitState(a1.ID, task.Downloading, 10*time.Second)

	// Two batches of one name: the error lists both.
	dup := add("d.bin", "shelf")
	r = runCLI(t, h, "cancel", "--batch", "shelf").must(t, 1)
	if !strings.Contains(r.errOut, `2 batches are called "shelf"`) || !strings.Contains(r.errOut, "\n  "+*a1.BatchID+" (2 downloads") ||
		!strings.Contains(r.errOut, "\n  "+*dup.BatchID+" (1 downloads") {
		t.Fatalf("ambiguous batch: %q", r.errOut)
	}

	r = runCLI(t, h, "cancel", "--batch", *dup.BatchID).must(t, 0)
	if h.Get(dup.ID).State != task.Cancelled {
		t.Fatalf("cancel --batch: %q", r.out)
	}
	runCLI(t, h, "retry", "--batch", *dup.BatchID).must(t, 0)

	r = runCLI(t, h, "rm", "--batch", "other", "--batch", *a1.BatchID).must(t, 0)
	if !strings.Contains(r.out, "removed 1 downloads of batch other") || !strings.Contains(r.out, "removed 2 downloads of batch "+*a1.BatchID) {
		t.Fatalf("rm --batch: %q", r.out)
	}
	if left := listAll(t, h, ""); len(left) != 1 || left[0].ID != dup.ID {
		t.Fatalf("after rm --batch: %d tasks", len(left))
	}
	runCLI(t, h, "rm", "--batch", "nosuch").must(t, 1)
	runCLI(t, h, "pause", "--all", "--batch", "x").must(t, 2)
}
