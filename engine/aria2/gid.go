package aria2

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"sync"
)

// A gid is derived from the task id, the first 64 bits of a SHA-256 of it,
// so a task keeps its gid across restarts without storing one. Two tasks
// whose gids collide (odds about n²/2⁶⁵ for n tasks) are told apart by
// deriving the later-seen one again with a counter.
func deriveGID(id string, n int) string {
	in := "fetchd-gid:" + id
	if n > 0 {
		in += ":" + strconv.Itoa(n)
	}
	sum := sha256.Sum256([]byte(in))
	return hex.EncodeToString(sum[:8])
}

// validGID is aria2's form: 16 hex digits.
func validGID(g string) bool {
	if len(g) != 16 {
		return false
	}
	_, err := hex.DecodeString(g)
	return err == nil
}

// gidIndex maps gids and task ids both ways for the tasks seen so far.
type gidIndex struct {
	mu   sync.Mutex
	byID map[string]string
	ids  map[string]string // gid -> task id
}

func newGIDIndex() *gidIndex {
	return &gidIndex{byID: map[string]string{}, ids: map[string]string{}}
}

// of returns a task's gid, recording it.
func (x *gidIndex) of(id string) string {
	x.mu.Lock()
	defer x.mu.Unlock()
	if g, ok := x.byID[id]; ok {
		return g
	}
	g := deriveGID(id, 0)
	for n := 1; x.ids[g] != "" && x.ids[g] != id; n++ {
		g = deriveGID(id, n)
	}
	x.byID[id], x.ids[g] = g, id
	return g
}

// id returns the task id of a gid seen so far.
func (x *gidIndex) id(gid string) (string, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	id, ok := x.ids[gid]
	return id, ok
}

// forget drops a task that is gone.
func (x *gidIndex) forget(id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if g, ok := x.byID[id]; ok {
		delete(x.ids, g)
		delete(x.byID, id)
	}
}
