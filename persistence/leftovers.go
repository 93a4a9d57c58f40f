package persistence

import (
	"encoding/json"
	"fmt"

	badger "github.com/dgraph-io/badger/v4"
)

// Files a deleted task leaves are removed once its transfer lets go of them,
// which a crash can forestall. Deleting a task therefore records them in the
// same transaction, and the record goes only once they are gone: whatever
// is still recorded at the next start is removed then.

func leftoverKey(id string) []byte { return append(append([]byte{}, prefixLeftover...), id...) }

// setLeftovers records in txn the files task id leaves behind.
func setLeftovers(txn *badger.Txn, id string, files []string) error {
	if len(files) == 0 {
		return nil
	}
	raw, err := json.Marshal(files)
	if err != nil {
		return err
	}
	if err := txn.Set(leftoverKey(id), raw); err != nil {
		return fmt.Errorf("record files of task %s: %w", id, err)
	}
	return nil
}

// LoadLeftovers returns the recorded files of deleted tasks, by task id.
func (s *Store) LoadLeftovers() (map[string][]string, error) {
	out := map[string][]string{}
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefixLeftover, PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var files []string
			if err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &files) }); err != nil {
				return fmt.Errorf("decode %s: %w", it.Item().Key(), err)
			}
			out[string(it.Item().Key()[len(prefixLeftover):])] = files
		}
		return nil
	})
	return out, err
}

// ForgetLeftovers drops the record of task id's files, once they are gone.
func (s *Store) ForgetLeftovers(id string) error {
	return s.db.Update(func(txn *badger.Txn) error { return txn.Delete(leftoverKey(id)) })
}
