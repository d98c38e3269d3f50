package quarantine

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// SchemaVersion is the on-disk layout this package writes (see the package
// comment).
const SchemaVersion = 1

// DefaultFile is the file name Open uses when given a directory (a
// --quarantine DIR), and the one shared quarantine per folder of versions
// before PathFor.
const DefaultFile = "quarantine.db"

const magic = "sigtool-quarantine"

var (
	bucketMeta    = []byte("meta")
	bucketContent = []byte("content")
	bucketRecords = []byte("records")
	keyMagic      = []byte("magic")
	keySchema     = []byte("schema")
)

// Store is an open quarantine. It is safe for concurrent use: bbolt
// serialises writers and gives readers consistent snapshots. Only one
// process can have a store open; others wait up to the lock timeout and
// then get ErrLocked.
type Store struct {
	db   *bolt.DB // nil for a shared store
	path string
	mu   sync.Mutex // a shared store's transactions, one at a time in this process
}

// lockTimeout is how long Open waits for another process's lock: a
// shared store (the daemon's) holds it for one transaction at a time.
const lockTimeout = 2 * time.Second

// Open opens the quarantine at path, creating it (and its directory) if
// missing. A path naming an existing directory means DefaultFile inside it.
func Open(path string) (*Store, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		path = filepath.Join(path, DefaultFile)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("quarantine: create directory for %s: %w", path, err)
	}
	db, err := openBolt(path)
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, path: path}
	if err := s.initMeta(); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// OpenShared is Open for a daemon: the file is opened for each
// transaction and closed after it, so `sigtool quarantine` can list, show
// and release while the daemon runs (each side waits for the other's
// transaction up to the lock timeout).
func OpenShared(path string) (*Store, error) {
	s, err := Open(path)
	if err != nil {
		return nil, err
	}
	s.db.Close()
	s.db = nil
	return s, nil
}

func openBolt(path string) (*bolt.DB, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout})
	if err != nil {
		switch {
		case errors.Is(err, bolterrors.ErrTimeout):
			return nil, fmt.Errorf("%s: %w", path, ErrLocked)
		case errors.Is(err, bolterrors.ErrInvalid), errors.Is(err, bolterrors.ErrVersionMismatch),
			errors.Is(err, bolterrors.ErrChecksum):
			return nil, fmt.Errorf("%s: %w: %v", path, ErrNotStore, err)
		}
		return nil, fmt.Errorf("quarantine: open %s: %w", path, err)
	}
	return db, nil
}

func (s *Store) view(fn func(*bolt.Tx) error) error {
	return s.with(func(db *bolt.DB) error { return db.View(fn) })
}

func (s *Store) update(fn func(*bolt.Tx) error) error {
	return s.with(func(db *bolt.DB) error { return db.Update(fn) })
}

func (s *Store) with(fn func(*bolt.DB) error) error {
	if s.db != nil {
		return fn(s.db)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	db, err := openBolt(s.path)
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(db)
}

// initMeta writes the meta record into a new store, or checks it in an
// existing one. A bbolt file with other buckets but no meta is someone
// else's database and is left alone.
func (s *Store) initMeta() error {
	return s.update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			empty := true
			_ = tx.ForEach(func([]byte, *bolt.Bucket) error { empty = false; return nil })
			if !empty {
				return ErrNotStore
			}
			var err error
			if meta, err = tx.CreateBucket(bucketMeta); err != nil {
				return err
			}
			var v [4]byte
			binary.BigEndian.PutUint32(v[:], SchemaVersion)
			if err := meta.Put(keyMagic, []byte(magic)); err != nil {
				return err
			}
			if err := meta.Put(keySchema, v[:]); err != nil {
				return err
			}
		}
		if !bytes.Equal(meta.Get(keyMagic), []byte(magic)) {
			return ErrNotStore
		}
		v := meta.Get(keySchema)
		if len(v) != 4 {
			return ErrNotStore
		}
		if n := binary.BigEndian.Uint32(v); n > SchemaVersion {
			return fmt.Errorf("%w (schema %d, this program knows %d)", ErrSchema, n, SchemaVersion)
		}
		for _, b := range [][]byte{bucketContent, bucketRecords} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
}

// Path returns the file the store lives in.
func (s *Store) Path() string { return s.path }

// Close releases the store's lock.
func (s *Store) Close() error {
	if s.db == nil {
		return nil
	}
	return s.db.Close()
}
