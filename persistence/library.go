package persistence

import (
	"encoding/json"
	"fmt"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/fetchd/fetchd/engine/task"
)

var prefixLibrary = []byte("library/")

func libraryKey(id string) []byte { return append(append([]byte{}, prefixLibrary...), id...) }

// libraryRecord is a library item as stored: the item plus its source URLs,
// which the wire form leaves out.
type libraryRecord struct {
	Item task.LibraryItem `json:"item"`
	URLs []string         `json:"urls"`
}

// LoadLibrary returns every library item.
func (s *Store) LoadLibrary() ([]task.LibraryItem, error) {
	var out []task.LibraryItem
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefixLibrary, PrefetchValues: true, PrefetchSize: 100})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var rec libraryRecord
			if err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &rec) }); err != nil {
				return fmt.Errorf("decode %s: %w", it.Item().Key(), err)
			}
			rec.Item.URLs = rec.URLs
			out = append(out, rec.Item)
		}
		return nil
	})
	return out, err
}

// SaveLibraryItem writes an item.
func (s *Store) SaveLibraryItem(item task.LibraryItem) error {
	if err := s.db.Update(func(txn *badger.Txn) error { return setLibraryItem(txn, item) }); err != nil {
		return fmt.Errorf("write library item %s: %w", item.ID, err)
	}
	return nil
}

// SaveCompleted writes a completed task and, when its download is now whole,
// its library item, in one transaction.
func (s *Store) SaveCompleted(t task.Task, item *task.LibraryItem) error {
	delta := map[task.State]int64{}
	err := s.db.Update(func(txn *badger.Txn) error {
		clear(delta)
		if err := setTask(txn, &t, delta); err != nil {
			return err
		}
		if item != nil {
			if err := setLibraryItem(txn, *item); err != nil {
				return err
			}
		}
		return s.writeCounts(txn, delta)
	})
	if err != nil {
		return err
	}
	s.applyCounts(delta)
	return nil
}

func setLibraryItem(txn *badger.Txn, item task.LibraryItem) error {
	raw, err := json.Marshal(libraryRecord{Item: item, URLs: item.URLs})
	if err != nil {
		return err
	}
	return txn.Set(libraryKey(item.ID), raw)
}

// DeleteLibraryItem removes an item.
func (s *Store) DeleteLibraryItem(id string) error {
	if err := s.db.Update(func(txn *badger.Txn) error { return txn.Delete(libraryKey(id)) }); err != nil {
		return fmt.Errorf("delete library item %s: %w", id, err)
	}
	return nil
}
