package sigdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// SchemaVersion is the on-disk layout this package writes (see doc.go).
const SchemaVersion = 1

const magic = "sigtool-store"

var (
	bucketMeta  = []byte("meta")
	bucketFeeds = []byte("feeds")
	bucketState = []byte("state")
	keyMagic    = []byte("magic")
	keySchema   = []byte("schema")
	keyInfo     = []byte("info")
	bucketData  = []byte("data")
)

// DB is an open signature store. It is safe for concurrent use; bbolt
// serialises writers and gives readers consistent snapshots.
type DB struct {
	bolt *bolt.DB
	path string
}

// Options tune Open.
type Options struct {
	// ReadOnly opens the store shared, for info, verify, export and scans.
	// A missing store is then an error instead of being created.
	ReadOnly bool
	// Timeout is how long to wait for another process's lock (default 2 s).
	Timeout time.Duration
}

// Open opens the store at path, creating it (and its directory) unless
// opts.ReadOnly. A file that is not a sigtool store, or one written by a newer
// schema, is refused.
func Open(path string, opts *Options) (*DB, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Timeout == 0 {
		o.Timeout = 2 * time.Second
	}
	if o.ReadOnly {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("%w (import signatures first)", openError(path, err))
		}
	} else if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("sigdb: create store directory: %w", err)
	}
	bdb, err := openBolt(path, &bolt.Options{Timeout: o.Timeout, ReadOnly: o.ReadOnly})
	if err != nil {
		switch {
		case errors.Is(err, bolterrors.ErrTimeout):
			return nil, fmt.Errorf("%s: %w", path, ErrLocked)
		case errors.Is(err, bolterrors.ErrInvalid), errors.Is(err, bolterrors.ErrVersionMismatch), errors.Is(err, bolterrors.ErrChecksum):
			return nil, fmt.Errorf("%s: %w: %v", path, ErrNotStore, err)
		}
		return nil, openError(path, err)
	}
	db := &DB{bolt: bdb, path: path}
	if err := db.checkMeta(!o.ReadOnly); err != nil {
		bdb.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return db, nil
}

// openBolt turns a panic inside bbolt on a damaged file into an error. The
// free list is loaded here, on this goroutine where a fault is a panic,
// rather than later inside bbolt's checker goroutine where it would kill
// the process.
func openBolt(path string, o *bolt.Options) (db *bolt.DB, err error) {
	o.PreLoadFreelist = true
	err = safeTx(func() (err error) {
		db, err = bolt.Open(path, 0o644, o)
		return err
	})
	return db, err
}

// checkMeta validates the meta bucket, initialising an empty file when
// writable.
func (db *DB) checkMeta(init bool) error {
	check := func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			empty := true
			_ = tx.ForEach(func([]byte, *bolt.Bucket) error { empty = false; return nil })
			if !empty {
				return ErrNotStore
			}
			if !tx.Writable() {
				return fmt.Errorf("%w: empty file", ErrNotStore)
			}
			return initMeta(tx)
		}
		m, err := openRecord(meta.Get(keyMagic))
		if err != nil || !bytes.Equal(m, []byte(magic)) {
			return ErrNotStore
		}
		s, err := openRecord(meta.Get(keySchema))
		if err != nil || len(s) != 4 {
			return fmt.Errorf("%w: unreadable schema version", ErrCorrupt)
		}
		if v := binary.BigEndian.Uint32(s); v > SchemaVersion {
			return fmt.Errorf("%w: schema %d, this sigtool reads up to %d; upgrade sigtool", ErrNewerSchema, v, SchemaVersion)
		}
		return nil
	}
	// Check read-only first: an Update commits a new meta page even when it
	// changes nothing, and opening a store must not change its file.
	err := safeTx(func() error { return db.bolt.View(check) })
	if init && errors.Is(err, ErrNotStore) && db.isEmpty() {
		return safeTx(func() error { return db.bolt.Update(check) })
	}
	return err
}

func initMeta(tx *bolt.Tx) error {
	meta, err := tx.CreateBucket(bucketMeta)
	if err != nil {
		return err
	}
	var s [4]byte
	binary.BigEndian.PutUint32(s[:], SchemaVersion)
	if err := meta.Put(keyMagic, sealRecord([]byte(magic))); err != nil {
		return err
	}
	if err := meta.Put(keySchema, sealRecord(s[:])); err != nil {
		return err
	}
	for _, b := range [][]byte{bucketFeeds, bucketState} {
		if _, err := tx.CreateBucket(b); err != nil {
			return err
		}
	}
	return nil
}

// safeTx runs fn and turns a bbolt panic on damaged pages into ErrCorrupt:
// bbolt does not checksum data pages, so a flipped byte can crash a read.
// A damaged page number makes bbolt read outside its memory map (or past
// the end of a truncated file); with panic-on-fault set for this goroutine
// that is a recoverable panic instead of a fatal signal.
func safeTx(fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: bbolt: %v", ErrCorrupt, r)
		}
	}()
	return fn()
}

// Path is the store's file name.
func (db *DB) Path() string { return db.path }

// Close releases the store.
func (db *DB) Close() error { return db.bolt.Close() }

// DefaultPath is where the store lives when --db is not given:
// $SIGTOOL_DB, else $XDG_DATA_HOME/sigtool/sigtool.db, else
// ~/.local/share/sigtool/sigtool.db.
func DefaultPath() (string, error) {
	if p := os.Getenv("SIGTOOL_DB"); p != "" {
		return p, nil
	}
	if x := os.Getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "sigtool", "sigtool.db"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("sigdb: no default store location (set SIGTOOL_DB or --db): %w", err)
	}
	return filepath.Join(home, ".local", "share", "sigtool", "sigtool.db"), nil
}

// openError names path once: an *fs.PathError already does.
func openError(path string, err error) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok && pe.Path == path {
		return fmt.Errorf("sigdb: %w", err)
	}
	return fmt.Errorf("sigdb: open %s: %w", path, err)
}

// isEmpty reports whether the bbolt file has no buckets at all (a new file).
func (db *DB) isEmpty() bool {
	empty := true
	_ = safeTx(func() error {
		return db.bolt.View(func(tx *bolt.Tx) error {
			return tx.ForEach(func([]byte, *bolt.Bucket) error { empty = false; return nil })
		})
	})
	return empty
}
