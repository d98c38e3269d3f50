package quarantine

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// IDOf returns the ID content gets in a store.
func IDOf(content []byte) string {
	sum := sha256.Sum256(content)
	return hex.EncodeToString(sum[:])
}

// Put stores content with the record r and returns its ID. Storing bytes
// that are already there adds r to the existing item. A zero r.Time means
// now. When Put returns nil the item is on disk (bbolt syncs each commit),
// so a caller may then drop its own copy.
func (s *Store) Put(content []byte, r Record) (string, error) {
	id := IDOf(content)
	if r.Time.IsZero() {
		r.Time = time.Now()
	}
	r.Time = r.Time.UTC()
	err := s.update(func(tx *bolt.Tx) error {
		cb, rb := tx.Bucket(bucketContent), tx.Bucket(bucketRecords)
		key := []byte(id)
		var st stored
		if old := cb.Get(key); old != nil {
			// Same ID means same bytes unless the store is damaged;
			// check rather than trust, and never overwrite.
			if !bytes.Equal(old, content) {
				return fmt.Errorf("%w: %s", ErrCorrupt, id)
			}
			if raw := rb.Get(key); raw != nil {
				if err := json.Unmarshal(raw, &st); err != nil {
					return fmt.Errorf("%w: records of %s: %v", ErrCorrupt, id, err)
				}
			}
		} else if err := cb.Put(key, content); err != nil {
			return err
		}
		st.Size = int64(len(content))
		st.Records = append(st.Records, r)
		raw, err := json.Marshal(st)
		if err != nil {
			return err
		}
		return rb.Put(key, raw)
	})
	if err != nil {
		return "", fmt.Errorf("quarantine: put %s: %w", id, err)
	}
	return id, nil
}

// Delete removes the items ids name (full IDs or prefixes) and their
// records, in one transaction: when one ID is bad, missing or ambiguous,
// nothing is deleted. It returns the full IDs deleted, in the order given.
// Releasing does not delete; an administrator deletes explicitly once
// sure.
func (s *Store) Delete(ids ...string) ([]string, error) {
	var done []string
	err := s.update(func(tx *bolt.Tx) error {
		done = done[:0]
		seen := map[string]bool{}
		for _, id := range ids {
			full, err := resolve(tx, id)
			if err != nil {
				return err
			}
			if !seen[full] {
				seen[full] = true
				done = append(done, full)
			}
		}
		for _, full := range done {
			if err := deleteItem(tx, []byte(full)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return done, nil
}

func deleteItem(tx *bolt.Tx, key []byte) error {
	if err := tx.Bucket(bucketContent).Delete(key); err != nil {
		return err
	}
	return tx.Bucket(bucketRecords).Delete(key)
}
