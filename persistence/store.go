// Package persistence keeps fetchd's state in an embedded badger store: tasks,
// settings and exact per-state counts. It is the only package that knows badger.
package persistence

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	badger "github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
	"github.com/rs/zerolog"

	"github.com/fetchd/fetchd/engine/task"
)

// SchemaVersion is the layout of the keys below. A later version migrates
// older stores when it opens them; an older fetchd refuses a newer store.
const SchemaVersion = 1

var (
	keySchema   = []byte("meta/schema_version")
	keySettings = []byte("settings")
	prefixTask  = []byte("task/")
	prefixCount = "count/"
	// prefixLeftover keys the files of deleted tasks not yet removed.
	prefixLeftover = []byte("leftover/")
)

// Store is the daemon's state on disk. Its methods are safe for concurrent use.
type Store struct {
	db *badger.DB

	mu     sync.Mutex
	counts map[task.State]int64 // mirror of the count/ keys, updated after each commit
}

// Open opens (or creates) the store in dir. An empty dir keeps everything in
// memory, for tests and for embedders that want no disk state.
func Open(dir string, log zerolog.Logger) (*Store, error) {
	opts := badger.DefaultOptions(dir).
		WithInMemory(dir == "").
		WithLogger(badgerLogger{log.With().Str("component", "badger").Logger()}).
		// badger's defaults are sized for a database server (~90 MB of heap);
		// a daemon's few thousand small records need a fraction of that.
		WithMemTableSize(4 << 20).
		WithNumMemtables(2).
		WithNumLevelZeroTables(2).
		WithNumLevelZeroTablesStall(4).
		WithNumCompactors(2).
		WithBaseTableSize(1 << 20).
		WithBaseLevelSize(4 << 20).
		WithValueLogFileSize(16 << 20).
		WithValueThreshold(32 << 10).
		WithCompression(options.None).
		WithBlockCacheSize(0).
		WithIndexCacheSize(2 << 20).
		WithNumGoroutines(2).
		WithMetricsEnabled(false)
	db, err := badger.Open(opts)
	if err != nil && strings.Contains(err.Error(), "Cannot acquire directory lock") {
		return nil, fmt.Errorf("the store in %q is in use by another process (another fetchd on the same --data-dir?): %w", dir, err)
	}
	if err != nil {
		return nil, fmt.Errorf("open store in %q: %w", dir, err)
	}
	s := &Store{db: db, counts: map[task.State]int64{}}
	if err := s.checkSchema(); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.loadCounts(); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Close flushes and closes the store.
func (s *Store) Close() error { return s.db.Close() }

func (s *Store) checkSchema() error {
	return s.db.Update(func(txn *badger.Txn) error {
		item, err := txn.Get(keySchema)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return txn.Set(keySchema, []byte(strconv.Itoa(SchemaVersion)))
		}
		if err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		raw, err := item.ValueCopy(nil)
		if err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		v, err := strconv.Atoi(string(raw))
		if err != nil {
			return fmt.Errorf("store has a corrupt schema version %q", raw)
		}
		if v > SchemaVersion {
			return fmt.Errorf("store has schema version %d; this fetchd reads up to %d", v, SchemaVersion)
		}
		return nil
	})
}
