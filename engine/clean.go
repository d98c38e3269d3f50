package engine

import (
	"crypto/sha256"
	"io"
	"sync"

	"github.com/sigtool/sigtool/scan"
)

// DefaultCleanCache is the number of clean contents a snapshot remembers,
// clamd's CacheSize default.
const DefaultCleanCache = 65536

// cleanCache remembers the SHA-256 of contents a snapshot found clean, so
// the same attachment sent again (one message to many recipients, a
// campaign) is answered without a second scan, as clamd's clean cache
// answers it (by MD5; a chosen collision there would pass a file as
// clean). It belongs to one snapshot: a reload starts an empty one, since
// the new signatures may find what the old ones passed.
//
// Two generations give least-recently-used eviction at O(1): a new entry
// goes into cur; when cur holds half the capacity it becomes old and a new
// cur starts, dropping the previous old; a hit in old moves the entry back
// to cur. At most the capacity is held.
type cleanCache struct {
	mu       sync.Mutex
	cur, old map[[sha256.Size]byte]struct{}
	half     int
}

func newCleanCache(n int) *cleanCache {
	if n <= 0 {
		return nil
	}
	return &cleanCache{cur: map[[sha256.Size]byte]struct{}{}, half: max(n/2, 1)}
}

func (c *cleanCache) seen(k [sha256.Size]byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.cur[k]; ok {
		return true
	}
	if _, ok := c.old[k]; ok {
		c.insert(k)
		return true
	}
	return false
}

func (c *cleanCache) add(k [sha256.Size]byte) {
	c.mu.Lock()
	c.insert(k)
	c.mu.Unlock()
}

func (c *cleanCache) insert(k [sha256.Size]byte) {
	if len(c.cur) >= c.half {
		c.old, c.cur = c.cur, make(map[[sha256.Size]byte]struct{}, len(c.cur))
	}
	c.cur[k] = struct{}{}
}

// inMemory is content whose bytes are all in memory (unpack.Bytes).
type inMemory interface{ Bytes() []byte }

// digest is the SHA-256 of r's first size bytes.
func digest(r io.ReaderAt, size int64) ([sha256.Size]byte, error) {
	if m, ok := r.(inMemory); ok && int64(len(m.Bytes())) >= size {
		return sha256.Sum256(m.Bytes()[:size]), nil
	}
	h := sha256.New()
	var k [sha256.Size]byte
	if _, err := io.Copy(h, io.NewSectionReader(r, 0, size)); err != nil {
		return k, err
	}
	h.Sum(k[:0])
	return k, nil
}

// ScanCached returns run's scan of content r (size bytes), unless this
// snapshot found the same content clean before: then it returns a clean
// Result holding only name and size, and cached is true. Only a clean
// verdict without any error is remembered: a file that hit a limit or
// could not be read is scanned again each time, as in clamd.
func (s *Snapshot) ScanCached(name string, r io.ReaderAt, size int64, run func() (*scan.Result, error)) (res *scan.Result, cached bool, err error) {
	if s.clean == nil {
		res, err = run()
		return res, false, err
	}
	k, err := digest(r, size)
	if err != nil {
		res, err = run()
		return res, false, err
	}
	if s.clean.seen(k) {
		return &scan.Result{Path: name, Size: size}, true, nil
	}
	res, err = run()
	if err == nil && res != nil && res.Status() == scan.Clean {
		s.clean.add(k)
	}
	return res, false, err
}
