package manager

import (
	"os"
	"path/filepath"

	"github.com/fetchd/fetchd/engine/task"
)

// names indexes the file names tasks hold, so that giving a task a free name
// costs a map look-up per try instead of a scan of every task, and remembers
// the last " (n)" each wanted name reached, so that a thousand files of one
// name do not each try the same taken ones again.
type names struct {
	holder map[string]string // dir/name -> the task holding it
	next   map[string]int    // dir/wanted name -> the last n handed out
}

func newNames() names {
	return names{holder: map[string]string{}, next: map[string]int{}}
}

func (n names) hold(dir, name, id string) {
	if name != "" {
		n.holder[filepath.Join(dir, name)] = id
	}
}

// holderOf is the task holding the file at path, if any.
func (n names) holderOf(path string) (string, bool) {
	id, ok := n.holder[path]
	return id, ok
}

func (n names) release(dir, name, id string) {
	key := filepath.Join(dir, name)
	if n.holder[key] == id {
		delete(n.holder, key)
	}
}

// claim returns want, or want with " (n)", naming neither another task's
// file nor a file (or part file) already in dir, and holds it for self.
func (n names) claim(dir, want, self string) string {
	key := filepath.Join(dir, want)
	free := func(name string) bool {
		if id, ok := n.holder[filepath.Join(dir, name)]; ok && id != self {
			return false
		}
		for _, p := range []string{name, task.PartName(name)} {
			if _, err := os.Lstat(filepath.Join(dir, p)); err == nil {
				return false
			}
		}
		return true
	}
	name := want
	if !free(want) {
		var last int
		name, last = task.Suffixed(want, n.next[key]+1, free)
		n.next[key] = last
	}
	n.hold(dir, name, self)
	return name
}
