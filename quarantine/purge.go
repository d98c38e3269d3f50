package quarantine

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// purgeBatch bounds the items one purge transaction deletes, so that a
// writer waiting for the file's lock (a daemon's mail request, a pipe
// filter) waits a moment, not for the whole purge.
const purgeBatch = 256

// Purge deletes every item last quarantined before before (Item.Last) and
// returns them. An item quarantined again recently stays with all its
// records: it is still evidence. Items go in transactions of at most
// purgeBatch, each checking again that its items are still old; a
// failure leaves the items not yet deleted in place. With dryRun nothing
// is deleted; the items that would be are returned. The file does not
// shrink (bbolt reuses the freed pages).
func (s *Store) Purge(before time.Time, dryRun bool) ([]Item, error) {
	old, err := s.older(before)
	if err != nil || dryRun {
		return old, err
	}
	var gone []Item
	for i := 0; i < len(old); i += purgeBatch {
		batch := old[i:min(i+purgeBatch, len(old))]
		err := s.update(func(tx *bolt.Tx) error {
			now, err := olderIn(tx, before, batch)
			if err != nil {
				return err
			}
			for _, it := range now {
				if err := deleteItem(tx, []byte(it.ID)); err != nil {
					return err
				}
			}
			gone = append(gone, now...)
			return nil
		})
		if err != nil {
			return gone, fmt.Errorf("quarantine: purge %s: %w", s.path, err)
		}
	}
	return gone, nil
}

// older returns the items last quarantined before before.
func (s *Store) older(before time.Time) ([]Item, error) {
	var old []Item
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRecords).ForEach(func(k, v []byte) error {
			it, err := decodeItem(k, v)
			if err == nil && it.Last().Before(before) {
				old = append(old, it)
			}
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("quarantine: purge %s: %w", s.path, err)
	}
	return old, nil
}

// olderIn returns those of items that are still there and still old in tx.
func olderIn(tx *bolt.Tx, before time.Time, items []Item) ([]Item, error) {
	var old []Item
	rb := tx.Bucket(bucketRecords)
	for _, it := range items {
		v := rb.Get([]byte(it.ID))
		if v == nil {
			continue // deleted meanwhile
		}
		now, err := decodeItem([]byte(it.ID), v)
		if err != nil {
			return nil, err
		}
		if now.Last().Before(before) {
			old = append(old, now)
		}
	}
	return old, nil
}
