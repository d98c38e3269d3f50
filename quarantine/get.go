package quarantine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/sigtool/sigtool/atomicfile"
)

// MinPrefix is the shortest ID prefix accepted, as git's: short enough to
// type from a banner, and with 16 bits a prefix of a store of thousands
// of items is mostly unique (an ambiguous one lists the candidates).
const MinPrefix = 4

// maxCandidates bounds the candidates an AmbiguousError lists.
const maxCandidates = 10

const idLen = 64

// List returns every item, ordered by ID. It does not read the content.
func (s *Store) List() ([]Item, error) {
	var items []Item
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRecords).ForEach(func(k, v []byte) error {
			it, err := decodeItem(k, v)
			if err != nil {
				return err
			}
			items = append(items, it)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("quarantine: list %s: %w", s.path, err)
	}
	return items, nil
}

// Get returns the item whose ID is id (or starts with id, at least
// MinPrefix digits) and its content, after checking the content's hash.
func (s *Store) Get(id string) (Item, []byte, error) {
	var it Item
	var content []byte
	err := s.view(func(tx *bolt.Tx) error {
		full, err := resolve(tx, id)
		if err != nil {
			return err
		}
		raw := tx.Bucket(bucketRecords).Get([]byte(full))
		if it, err = decodeItem([]byte(full), raw); err != nil {
			return err
		}
		// bbolt's memory is valid only inside the transaction.
		content = bytes.Clone(tx.Bucket(bucketContent).Get([]byte(full)))
		if content == nil {
			return fmt.Errorf("%w: %s has records but no content", ErrCorrupt, full)
		}
		return nil
	})
	if err != nil {
		return Item{}, nil, err
	}
	if IDOf(content) != it.ID || int64(len(content)) != it.Size {
		return Item{}, nil, fmt.Errorf("%w: %s", ErrCorrupt, it.ID)
	}
	return it, content, nil
}

// Release writes the content of item id to outPath (temp file, sync,
// rename, mode 0600), leaving the item in the store. It refuses to replace
// an existing file, because a mistyped path should not destroy data.
func (s *Store) Release(id, outPath string) error {
	_, content, err := s.Get(id)
	if err != nil {
		return err
	}
	if _, err := os.Lstat(outPath); err == nil {
		return fmt.Errorf("quarantine: release %s: %w", outPath, os.ErrExist)
	}
	if err := atomicfile.Write(outPath, content, 0o600); err != nil {
		return fmt.Errorf("quarantine: release %s: %w", id, err)
	}
	return nil
}

// resolve turns an ID or ID prefix into the full key.
func resolve(tx *bolt.Tx, id string) (string, error) {
	id = strings.ToLower(strings.TrimSpace(id))
	if len(id) < MinPrefix || len(id) > idLen || strings.Trim(id, "0123456789abcdef") != "" {
		return "", fmt.Errorf("%w: %q (want %d to %d hex digits)", ErrBadID, id, MinPrefix, idLen)
	}
	rb := tx.Bucket(bucketRecords)
	c := rb.Cursor()
	var keys []string
	n := 0
	for k, _ := c.Seek([]byte(id)); k != nil && bytes.HasPrefix(k, []byte(id)); k, _ = c.Next() {
		if n++; len(keys) < maxCandidates {
			keys = append(keys, string(k))
		}
	}
	switch n {
	case 0:
		return "", fmt.Errorf("%w: %s", ErrNotFound, id)
	case 1:
		return keys[0], nil
	}
	amb := &AmbiguousError{Prefix: id, Matches: n}
	for _, k := range keys {
		it, err := decodeItem([]byte(k), rb.Get([]byte(k)))
		if err != nil {
			return "", err
		}
		amb.Candidates = append(amb.Candidates, it)
	}
	return "", amb
}

func decodeItem(k, v []byte) (Item, error) {
	var st stored
	if v == nil {
		return Item{}, fmt.Errorf("%w: %s", ErrNotFound, k)
	}
	if err := json.Unmarshal(v, &st); err != nil {
		return Item{}, fmt.Errorf("%w: records of %s: %v", ErrCorrupt, k, err)
	}
	return Item{ID: string(k), Size: st.Size, Records: st.Records}, nil
}
