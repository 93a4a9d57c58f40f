package publisher

import (
	"strings"
	"testing"

	"github.com/fetchd/fetchd/engine/task"
)

// A joiner's SYNC_ALL is what everyone was last sent, not progress still
// waiting for the flush: the deltas after it are computed against that.
func TestSnapshotIsWhatWasLastSent(t *testing.T) {
	p := &Publisher{current: map[string]*task.Task{}, lastSent: map[string]*task.Task{}, pending: map[string]struct{}{}, batches: map[string]*batch{}}
	sent := task.Task{ID: "a", State: task.Downloading, Size: 100, Meta: map[string]string{}}
	p.change(nil, task.Change{Kind: task.Loaded, Task: sent})
	moved := sent.Clone()
	moved.SetProgress(50, 100)
	moved.SetRate(416000)
	p.change(nil, task.Change{Kind: task.Progressed, Task: moved})

	snap := p.snapshot()
	if len(snap.Tasks) != 1 || snap.Tasks[0].Speed != 0 || snap.Tasks[0].Downloaded != 0 {
		t.Fatalf("snapshot %+v, want the task as last sent", snap.Tasks)
	}
	if again := p.snapshot(); again.Version != snap.Version {
		t.Fatal("progress alone must not make a new snapshot")
	}
	batch, ok := p.batch()
	if !ok || len(batch.Deltas) != 1 || !contains(string(batch.Deltas[0].AppendJSON(nil)), `"speed":416000`) {
		t.Fatalf("the flush must carry the progress: %+v", batch)
	}
	if p.snapshot().Version == snap.Version {
		t.Fatal("a flush that sent something must make a new snapshot")
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
