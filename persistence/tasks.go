package persistence

import (
	"encoding/json"
	"errors"
	"fmt"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/fetchd/fetchd/engine/task"
)

func taskKey(id string) []byte { return append(append([]byte{}, prefixTask...), id...) }

// taskRecord is a task as stored: the task plus what its wire form leaves
// out: the validators of its part file, its request headers with their
// secrets, and the checkpoints of its ranges.
type taskRecord struct {
	task.Task
	Stored         task.Validators   `json:"validators,omitzero"`
	RequestHeaders map[string]string `json:"request_headers,omitempty"`
	Ranges         []task.Range      `json:"ranges,omitempty"`
}

// LoadTasks returns every stored task.
func (s *Store) LoadTasks() ([]task.Task, error) {
	var out []task.Task
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefixTask, PrefetchValues: true, PrefetchSize: 100})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var rec taskRecord
			err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &rec) })
			if err != nil {
				return fmt.Errorf("decode %s: %w", it.Item().Key(), err)
			}
			t := rec.Task
			t.Validators, t.RequestHeaders, t.Ranges = rec.Stored, rec.RequestHeaders, rec.Ranges
			if t.Meta == nil {
				t.Meta = map[string]string{}
			}
			task.Upgrade(&t)
			out = append(out, t)
		}
		return nil
	})
	return out, err
}

// SaveTasks writes tasks and keeps the per-state counts exact: each task's
// previous state is read in the same transaction as its write. Tasks go in
// one transaction when they fit, and in as few as they fit in otherwise.
func (s *Store) SaveTasks(tasks ...task.Task) error {
	for len(tasks) > 0 {
		n, err := s.saveSome(tasks)
		if err != nil {
			return err
		}
		tasks = tasks[n:]
	}
	return nil
}

// saveSome commits as many of tasks as one transaction holds with their
// per-state counts, and says how many. When the tasks leave no room for the
// counts, it tries again with fewer, so the counts never miss a write.
func (s *Store) saveSome(tasks []task.Task) (int, error) {
	for {
		n, err := s.trySave(tasks)
		if !errors.Is(err, errNoRoomForCounts) {
			return n, err
		}
		// Room for one counter per state, whatever the limit was.
		tasks = tasks[:max(1, n-len(task.States)-1)]
	}
}

var errNoRoomForCounts = errors.New("no room for the counts")

func (s *Store) trySave(tasks []task.Task) (int, error) {
	delta := map[task.State]int64{}
	txn := s.db.NewTransaction(true)
	defer txn.Discard()
	n := 0
	for ; n < len(tasks); n++ {
		if err := setTask(txn, &tasks[n], delta); errors.Is(err, badger.ErrTxnTooBig) && n > 0 {
			break // the rest go in the next transaction
		} else if err != nil {
			return 0, err
		}
	}
	if err := s.writeCounts(txn, delta); errors.Is(err, badger.ErrTxnTooBig) && n > 1 {
		return n, errNoRoomForCounts
	} else if err != nil {
		return 0, err
	}
	if err := txn.Commit(); err != nil {
		return 0, fmt.Errorf("commit tasks: %w", err)
	}
	s.applyCounts(delta)
	return n, nil
}

// setTask writes t in txn and adds its change of state to delta.
func setTask(txn *badger.Txn, t *task.Task, delta map[task.State]int64) error {
	prev, err := storedState(txn, t.ID)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(taskRecord{Task: *t, Stored: t.Validators, RequestHeaders: t.RequestHeaders, Ranges: t.Ranges})
	if err != nil {
		return fmt.Errorf("encode task %s: %w", t.ID, err)
	}
	if err := txn.Set(taskKey(t.ID), raw); err != nil {
		if errors.Is(err, badger.ErrTxnTooBig) {
			return err
		}
		return fmt.Errorf("write task %s: %w", t.ID, err)
	}
	if prev != t.State {
		if prev != "" {
			delta[prev]--
		}
		delta[t.State]++
	}
	return nil
}

// DeleteTask removes a task and records the files it leaves (see
// leftovers.go); deleting one that is not there is not an error.
func (s *Store) DeleteTask(id string, leftovers ...string) error {
	delta := map[task.State]int64{}
	err := s.db.Update(func(txn *badger.Txn) error {
		clear(delta)
		prev, err := storedState(txn, id)
		if err != nil || prev == "" {
			return err
		}
		if err := txn.Delete(taskKey(id)); err != nil {
			return fmt.Errorf("delete task %s: %w", id, err)
		}
		if err := setLeftovers(txn, id, leftovers); err != nil {
			return err
		}
		delta[prev]--
		return s.writeCounts(txn, delta)
	})
	if err != nil {
		return err
	}
	s.applyCounts(delta)
	return nil
}

// storedState is the state of the stored copy of a task, or "" if none.
func storedState(txn *badger.Txn, id string) (task.State, error) {
	item, err := txn.Get(taskKey(id))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read task %s: %w", id, err)
	}
	var head struct {
		State task.State `json:"state"`
	}
	err = item.Value(func(v []byte) error { return json.Unmarshal(v, &head) })
	if err != nil {
		return "", fmt.Errorf("decode task %s: %w", id, err)
	}
	return head.State, nil
}
