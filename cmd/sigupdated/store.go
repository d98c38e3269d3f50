package main

import (
	"context"
	"time"

	"github.com/sigtool/sigtool/feeds"
	"github.com/sigtool/sigtool/sigdb"
)

// store is the signature store the daemon opens only while it uses it:
// for an update cycle (read-write), a matcher reload or a mirror request
// (read-only, shared). In between the file is not locked, so `sigtool
// info`, `verify` and `import` work beside a running daemon; each waits
// for the other's transaction at most lockWait.
type store struct {
	path string
}

// lockWait is how long the daemon waits for another process's lock on
// the store (a `sigtool verify` of a big store takes seconds): longer than
// the CLI's 2 s, since a delayed update is better than a failed one.
const lockWait = 2 * time.Minute

func (s *store) openWrite() (*sigdb.DB, error) {
	return sigdb.Open(s.path, &sigdb.Options{Timeout: lockWait})
}

func (s *store) openRead() (*sigdb.DB, error) {
	return sigdb.Open(s.path, &sigdb.Options{ReadOnly: true, Timeout: lockWait})
}

// reader is the store as the Mirror reads it: each call opens it shared
// for that call alone.
type reader struct{ s *store }

var _ feeds.StoreReader = reader{}

func (r reader) Feed(name string) (*sigdb.FeedInfo, error) {
	db, err := r.s.openRead()
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return db.Feed(name)
}

func (r reader) FeedFiles(ctx context.Context, name string) ([]sigdb.File, error) {
	db, err := r.s.openRead()
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return db.FeedFiles(ctx, name)
}

func (r reader) GetState(bucket, key string) ([]byte, error) {
	db, err := r.s.openRead()
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return db.GetState(bucket, key)
}
