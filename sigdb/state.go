package sigdb

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// GetState returns a small value another component keeps in the store
// (the updater's mirror cool-downs, ETags), or nil when absent.
func (db *DB) GetState(bucket, key string) ([]byte, error) {
	var out []byte
	err := db.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketState).Bucket([]byte(bucket))
		if b == nil {
			return nil
		}
		v := b.Get([]byte(key))
		if v == nil {
			return nil
		}
		payload, err := openRecord(v)
		if err != nil {
			return fmt.Errorf("state %s/%s: %w", bucket, key, err)
		}
		out = append([]byte(nil), payload...)
		return nil
	})
	return out, err
}

// PutState stores a small value; a nil val deletes the key.
func (db *DB) PutState(bucket, key string, val []byte) error {
	return db.update(func(tx *bolt.Tx) error {
		b, err := tx.Bucket(bucketState).CreateBucketIfNotExists([]byte(bucket))
		if err != nil {
			return err
		}
		if val == nil {
			return b.Delete([]byte(key))
		}
		return b.Put([]byte(key), sealRecord(val))
	})
}
