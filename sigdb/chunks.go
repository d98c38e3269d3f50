package sigdb

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/sigtool/sigtool/sigfile"
)

// Chunk is one stored piece of a signature file, as ForEachChunk hands it
// out. A chunk holds whole lines: it ends at a line end, or at the end of
// its file.
type Chunk struct {
	Feed string
	File string
	Kind sigfile.Kind
	PUA  bool
	// FirstLine is the 1-based number of the chunk's first line in its
	// file, counted as ForEachLine counts (see ChunkLines).
	FirstLine int
	// Last is set on the last chunk of its file.
	Last bool
	// Data aliases the store's memory: valid until ForEachChunk returns
	// (the whole walk is one read transaction), so a caller that keeps it
	// longer must copy it.
	Data []byte
}

// ErrSkipFile, returned by a ForEachChunk callback, skips the rest of the
// current file's chunks without reading (or checking) them.
var ErrSkipFile = errors.New("sigdb: skip this file")

// ForEachChunk calls fn for every checked chunk of every signature file of
// every feed (files kept but not evaluated are skipped), in the order and
// under the same single read transaction as ForEachLine, which gives the
// same lines split one by one. It exists for readers that split and parse
// lines on other goroutines: a chunk is copied once, where ForEachLine's
// caller has to copy every line. Each chunk's checksum is checked before fn
// sees it.
func (db *DB) ForEachChunk(ctx context.Context, fn func(Chunk) error) error {
	return db.view(func(tx *bolt.Tx) error {
		defer dropResident(tx)
		read := 0 // bytes of chunks since the last dropResident
		return tx.Bucket(bucketFeeds).ForEachBucket(func(name []byte) error {
			fi, err := readFeedInfo(tx, string(name))
			if err != nil {
				return err
			}
			data := tx.Bucket(bucketFeeds).Bucket(name).Bucket(bucketData)
			if data == nil {
				return fmt.Errorf("feed %q: no data bucket: %w", name, ErrCorrupt)
			}
			for i, rec := range fi.Files {
				if rec.Kind == "" {
					continue
				}
				c := Chunk{Feed: fi.Name, File: rec.Name, Kind: sigfile.Kind(rec.Kind), PUA: rec.PUA, FirstLine: 1}
				k := 0
				err := readChunks(data, i, rec, func(payload []byte) error {
					// Per chunk rather than per file: one file can be
					// hundreds of megabytes.
					if err := ctx.Err(); err != nil {
						return err
					}
					if read += len(payload); read >= dropEvery {
						dropResident(tx)
						read = 0
					}
					k++
					c.Data, c.Last = payload, k == rec.Chunks
					if err := fn(c); err != nil {
						return err
					}
					c.FirstLine += ChunkLines(payload)
					return nil
				})
				if errors.Is(err, ErrSkipFile) {
					continue
				}
				if err != nil {
					return fmt.Errorf("feed %q file %s: %w", fi.Name, rec.Name, err)
				}
			}
			return nil
		})
	})
}

// dropEvery is how many bytes of chunks ForEachChunk reads between two
// dropResident calls: the store's pages it holds resident stay about this
// many, whatever the store's size.
const dropEvery = 16 << 20

// ChunkLines is the number of lines ForEachLine finds in one chunk: one per
// line end, plus a last line without one.
func ChunkLines(data []byte) int {
	n := bytes.Count(data, []byte{'\n'})
	if len(data) > 0 && data[len(data)-1] != '\n' {
		n++
	}
	return n
}
