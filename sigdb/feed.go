package sigdb

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// FeedMeta describes where a feed's files came from.
type FeedMeta struct {
	Name       string    `json:"name"`
	Version    int       `json:"version"`
	BuildTime  time.Time `json:"build_time,omitzero"`
	Source     string    `json:"source,omitempty"`
	Format     string    `json:"format,omitempty"` // cvd, cld, cud, files, native
	HeaderSigs int       `json:"header_signatures,omitempty"`
	FLevel     int       `json:"flevel,omitempty"`
	Builder    string    `json:"builder,omitempty"`
}

// FileRecord is one stored file of a feed.
type FileRecord struct {
	Name string `json:"name"`
	// Kind is the signature kind ("hdb", "ndb", ...); empty for a file kept
	// as is and not evaluated (.info, .cfg, COPYING, ...).
	Kind       string `json:"kind,omitempty"`
	PUA        bool   `json:"pua,omitempty"`
	Size       int64  `json:"size"`
	SHA256     string `json:"sha256"`
	Lines      int    `json:"lines"`
	Signatures int    `json:"signatures"`
	// Invalid counts lines kept byte for byte but skipped at import
	// (--skip-invalid): export and cdiffs need them, the matcher ignores them.
	Invalid int `json:"invalid,omitempty"`
	Chunks  int `json:"chunks"`
}

// FeedInfo is what the store records about a feed at import.
type FeedInfo struct {
	FeedMeta
	Imported   time.Time      `json:"imported"`
	Signatures int            `json:"signatures"`
	ByType     map[string]int `json:"by_type"`
	// NotEvaluated lists member files kept byte for byte but not parsed.
	NotEvaluated []string     `json:"not_evaluated,omitempty"`
	Files        []FileRecord `json:"files"`
	// Digest is the SHA-256 over every file's name, size and SHA-256, in
	// order: one value that changes when any stored byte does.
	Digest string `json:"digest"`
}

// Feeds lists every feed, sorted by name.
func (db *DB) Feeds() ([]FeedInfo, error) {
	var out []FeedInfo
	err := db.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketFeeds).ForEachBucket(func(name []byte) error {
			fi, err := readFeedInfo(tx, string(name))
			if err != nil {
				return err
			}
			out = append(out, *fi)
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

// Feed returns one feed's record, or ErrNoFeed.
func (db *DB) Feed(name string) (*FeedInfo, error) {
	var fi *FeedInfo
	err := db.view(func(tx *bolt.Tx) (err error) {
		fi, err = readFeedInfo(tx, name)
		return err
	})
	return fi, err
}

func readFeedInfo(tx *bolt.Tx, name string) (*FeedInfo, error) {
	fb := tx.Bucket(bucketFeeds).Bucket([]byte(name))
	if fb == nil {
		return nil, fmt.Errorf("feed %q: %w", name, ErrNoFeed)
	}
	payload, err := openRecord(fb.Get(keyInfo))
	if err != nil {
		return nil, fmt.Errorf("feed %q info: %w", name, err)
	}
	var fi FeedInfo
	if err := json.Unmarshal(payload, &fi); err != nil {
		return nil, fmt.Errorf("feed %q info: %v: %w", name, err, ErrCorrupt)
	}
	return &fi, nil
}

// view is bolt.View that survives bbolt panicking on damaged pages.
func (db *DB) view(fn func(tx *bolt.Tx) error) error {
	return safeTx(func() error { return db.bolt.View(fn) })
}

func (db *DB) update(fn func(tx *bolt.Tx) error) error {
	return safeTx(func() error { return db.bolt.Update(fn) })
}
