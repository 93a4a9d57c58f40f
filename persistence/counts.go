package persistence

import (
	"encoding/binary"
	"errors"
	"fmt"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/fetchd/fetchd/engine/task"
)

// Counts returns the stored tasks per state, every state included. Every write
// keeps them exact, so reading them never scans the tasks.
func (s *Store) Counts() map[task.State]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := make(map[task.State]int64, len(task.States))
	for _, st := range task.States {
		c[st] = s.counts[st]
	}
	return c
}

func countKey(st task.State) []byte { return []byte(prefixCount + string(st)) }

func (s *Store) loadCounts() error {
	return s.db.View(func(txn *badger.Txn) error {
		for _, st := range task.States {
			n, err := readCount(txn, st)
			if err != nil {
				return err
			}
			s.counts[st] = n
		}
		return nil
	})
}

func readCount(txn *badger.Txn, st task.State) (int64, error) {
	item, err := txn.Get(countKey(st))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read count of %s: %w", st, err)
	}
	var n int64
	err = item.Value(func(v []byte) error {
		if len(v) != 8 {
			return fmt.Errorf("corrupt count of %s", st)
		}
		n = int64(binary.BigEndian.Uint64(v))
		return nil
	})
	return n, err
}

// writeCounts adds delta to the stored counters inside txn.
func (s *Store) writeCounts(txn *badger.Txn, delta map[task.State]int64) error {
	for st, d := range delta {
		if d == 0 {
			continue
		}
		n, err := readCount(txn, st)
		if err != nil {
			return err
		}
		if err := txn.Set(countKey(st), binary.BigEndian.AppendUint64(nil, uint64(n+d))); err != nil {
			return fmt.Errorf("write count of %s: %w", st, err)
		}
	}
	return nil
}

// applyCounts mirrors a committed delta in memory.
func (s *Store) applyCounts(delta map[task.State]int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for st, d := range delta {
		s.counts[st] += d
	}
}
