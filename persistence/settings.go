package persistence

import (
	"encoding/json"
	"errors"
	"fmt"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/fetchd/fetchd/engine/task"
)

// LoadSettings returns the stored settings, and false if none were ever saved.
func (s *Store) LoadSettings() (task.Settings, bool, error) {
	var st task.Settings
	found := false
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(keySettings)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		found = true
		return item.Value(func(v []byte) error { return json.Unmarshal(v, &st) })
	})
	if err != nil {
		return st, false, fmt.Errorf("read settings: %w", err)
	}
	return st, found, nil
}

// SaveSettings stores the settings.
func (s *Store) SaveSettings(st task.Settings) error {
	raw, err := json.Marshal(st)
	if err != nil {
		return err
	}
	err = s.db.Update(func(txn *badger.Txn) error { return txn.Set(keySettings, raw) })
	if err != nil {
		return fmt.Errorf("write settings: %w", err)
	}
	return nil
}
