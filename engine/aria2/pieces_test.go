package aria2

import (
	"testing"

	"github.com/fetchd/fetchd/engine/task"
)

func TestBitfield(t *testing.T) {
	const mib = pieceLength
	cases := []struct {
		name string
		t    task.Task
		want string
	}{
		{"nothing yet", task.Task{Size: 3 * mib, State: task.Downloading}, "00"},
		{"one whole piece from the start", task.Task{Size: 3 * mib, Downloaded: mib + 5, State: task.Downloading}, "80"},
		{"complete", task.Task{Size: 3*mib + 1, Downloaded: 3*mib + 1, State: task.Completed}, "f0"},
		{"a short last piece", task.Task{Size: 2*mib + 10, Downloaded: 2*mib + 10, State: task.Paused}, "e0"},
		{"nine pieces take two bytes", task.Task{Size: 9 * mib, Downloaded: 9 * mib, State: task.Paused}, "ff80"},
		{"ranges: done where they have been", task.Task{Size: 4 * mib, Downloaded: 2 * mib, State: task.Downloading, Ranges: []task.Range{
			{Start: 2 * mib, Pos: 3 * mib, End: 4 * mib}, {Start: 0, Pos: mib, End: 2 * mib},
		}}, "a0"},
		{"a piece across two adjacent ranges", task.Task{Size: 2 * mib, Downloaded: mib + mib/2, State: task.Downloading, Ranges: []task.Range{
			{Start: 0, Pos: mib / 2, End: mib / 2}, {Start: mib / 2, Pos: mib + mib/2, End: 2 * mib},
		}}, "80"},
	}
	for _, c := range cases {
		if got := bitfield(&c.t); got != c.want {
			t.Errorf("%s: bitfield %s, want %s", c.name, got, c.want)
		}
	}
}

func TestWindow(t *testing.T) {
	items := []int{0, 1, 2, 3, 4}
	cases := []struct {
		offset, n int
		want      []int
	}{
		{0, 2, []int{0, 1}},
		{3, 10, []int{3, 4}},
		{5, 1, []int{}},
		{-1, 2, []int{4, 3}},
		{-2, 10, []int{3, 2, 1, 0}},
		{-6, 3, []int{}},
		{0, 0, []int{}},
		{0, -1, []int{}},
	}
	for _, c := range cases {
		got := window(items, c.offset, c.n)
		if len(got) != len(c.want) {
			t.Errorf("window(%d, %d) = %v, want %v", c.offset, c.n, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("window(%d, %d) = %v, want %v", c.offset, c.n, got, c.want)
				break
			}
		}
	}
}

// A gid depends on the task id alone; a collision gives the later task
// another one, and each maps back to its own task.
func TestGIDs(t *testing.T) {
	x := newGIDIndex()
	a := x.of("task-a")
	if a != deriveGID("task-a", 0) || !validGID(a) || x.of("task-a") != a {
		t.Fatalf("gid %q", a)
	}
	// Force a collision: another id registered under a's gid.
	y := newGIDIndex()
	y.byID["other"], y.ids[a] = a, "other"
	b := y.of("task-a")
	if b == a || !validGID(b) {
		t.Fatalf("a colliding gid was not derived again: %s", b)
	}
	if id, _ := y.id(a); id != "other" {
		t.Fatalf("gid %s names %s", a, id)
	}
	if id, _ := y.id(b); id != "task-a" {
		t.Fatalf("gid %s names %s", b, id)
	}
	y.forget("task-a")
	if _, ok := y.id(b); ok {
		t.Fatal("a forgotten task's gid is still known")
	}
	for _, bad := range []string{"", "zz", "0123456789abcdeg", "0123456789abcdef0"} {
		if validGID(bad) {
			t.Errorf("%q passed as a gid", bad)
		}
	}
}
