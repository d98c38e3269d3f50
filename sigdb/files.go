package sigdb

import (
	"bytes"
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/sigtool/sigtool/sigfile"
)

// FeedFiles returns a feed's stored files, byte for byte, in import order.
// Each chunk's checksum is checked on the way.
func (db *DB) FeedFiles(ctx context.Context, name string) ([]File, error) {
	var out []File
	err := db.view(func(tx *bolt.Tx) error {
		fi, err := readFeedInfo(tx, name)
		if err != nil {
			return err
		}
		data := tx.Bucket(bucketFeeds).Bucket([]byte(name)).Bucket(bucketData)
		if data == nil {
			return fmt.Errorf("feed %q: no data bucket: %w", name, ErrCorrupt)
		}
		for i, rec := range fi.Files {
			if err := ctx.Err(); err != nil {
				return err
			}
			var buf bytes.Buffer
			if err := readChunks(data, i, rec, func(chunk []byte) error { buf.Write(chunk); return nil }); err != nil {
				return fmt.Errorf("feed %q file %s: %w", name, rec.Name, err)
			}
			out = append(out, File{Name: rec.Name, Data: buf.Bytes()})
		}
		return nil
	})
	return out, err
}

// readChunks calls fn with each checked chunk of file i (aliasing the
// transaction's memory).
func readChunks(data *bolt.Bucket, i int, rec FileRecord, fn func([]byte) error) error {
	for c := 0; c < rec.Chunks; c++ {
		v := data.Get(chunkKey(i, c))
		if v == nil {
			return fmt.Errorf("chunk %d of %d missing: %w", c, rec.Chunks, ErrCorrupt)
		}
		payload, err := openRecord(v)
		if err != nil {
			return fmt.Errorf("chunk %d: %w", c, err)
		}
		if err := fn(payload); err != nil {
			return err
		}
	}
	return nil
}

// Line is one signature line handed to ForEachLine. Text aliases store
// memory and is valid only during the callback.
type Line struct {
	Feed string
	File string
	Kind sigfile.Kind
	PUA  bool
	No   int // 1-based line number
	Text []byte
}

// ForEachLine calls fn for every line of every signature file of every feed
// (files kept but not evaluated are skipped), in one read transaction: a
// consistent snapshot even while an update commits. It is ForEachChunk
// with each chunk split into its lines.
func (db *DB) ForEachLine(ctx context.Context, fn func(Line) error) error {
	return db.ForEachChunk(ctx, func(c Chunk) error {
		l := Line{Feed: c.Feed, File: c.File, Kind: c.Kind, PUA: c.PUA, No: c.FirstLine - 1}
		for rest := c.Data; len(rest) > 0; {
			var text []byte
			if j := bytes.IndexByte(rest, '\n'); j >= 0 {
				text, rest = rest[:j], rest[j+1:]
			} else {
				text, rest = rest, nil
			}
			l.No++
			l.Text = bytes.TrimSuffix(text, []byte{'\r'})
			if err := fn(l); err != nil {
				return err
			}
		}
		return nil
	})
}
