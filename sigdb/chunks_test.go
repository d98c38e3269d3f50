package sigdb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

// chunkFeed imports files whose chunking exercises every split: a file of
// several chunks, CRLF line ends, blank lines, no final line end, a
// non-signature file and a PUA file.
func chunkFeed(t *testing.T, db *DB) {
	t.Helper()
	var big strings.Builder
	for i := 0; big.Len() < 3*ChunkSize+100; i++ {
		fmt.Fprintf(&big, "%032x:%d:Chunk.Test-%d\n", i, 100+i, i)
	}
	files := []File{
		{Name: "a.hdb", Data: []byte(big.String())},
		{Name: "b.ndb", Data: []byte("# comment\r\n\r\nChunk.Body:0:*:41424344\r\nChunk.Tail:0:*:45464748")},
		{Name: "c.info", Data: []byte("not a signature file\n")},
		{Name: "d.hdu", Data: []byte("0123456789abcdef0123456789abcdef:10:PUA.Chunk\n")},
	}
	if _, err := db.ReplaceFeed(context.Background(), FeedMeta{Name: "chunks", Version: 1}, files, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
}

// TestForEachChunkMatchesLines: splitting ForEachChunk's chunks as
// ChunkLines counts gives exactly ForEachLine's lines and numbers.
func TestForEachChunkMatchesLines(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	chunkFeed(t, db)

	var want []string
	if err := db.ForEachLine(ctx, func(l Line) error {
		want = append(want, fmt.Sprintf("%s %s %s %v %d %q", l.Feed, l.File, l.Kind, l.PUA, l.No, l.Text))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var got []string
	chunks := map[string]int{}
	if err := db.ForEachChunk(ctx, func(c Chunk) error {
		chunks[c.File]++
		data, no := c.Data, c.FirstLine
		for range ChunkLines(c.Data) {
			line, rest, _ := bytes.Cut(data, []byte{'\n'})
			data = rest
			got = append(got, fmt.Sprintf("%s %s %s %v %d %q", c.Feed, c.File, c.Kind, c.PUA, no, bytes.TrimSuffix(line, []byte{'\r'})))
			no++
		}
		if len(data) != 0 {
			t.Errorf("%s: %d bytes after the counted lines", c.File, len(data))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("chunk lines differ from ForEachLine:\n got %d lines\nwant %d lines", len(got), len(want))
	}
	if chunks["a.hdb"] < 3 || chunks["c.info"] != 0 {
		t.Errorf("chunks per file %v: want a.hdb in several, c.info in none", chunks)
	}
}

func TestForEachChunkSkipFileAndErrors(t *testing.T) {
	ctx := context.Background()
	db, path := openTemp(t)
	chunkFeed(t, db)

	var files []string
	if err := db.ForEachChunk(ctx, func(c Chunk) error {
		files = append(files, c.File)
		return ErrSkipFile
	}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(files, " ") != "a.hdb b.ndb d.hdu" {
		t.Errorf("ErrSkipFile: saw %v, want each signature file once", files)
	}

	broken := errors.New("stop")
	if err := db.ForEachChunk(ctx, func(Chunk) error { return broken }); !errors.Is(err, broken) {
		t.Errorf("callback error: got %v", err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if err := db.ForEachChunk(canceled, func(Chunk) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: got %v", err)
	}

	// A damaged chunk fails the read: checksums are checked.
	db.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, []byte("Chunk.Tail"))
	if i < 0 {
		t.Fatal("signature text not found")
	}
	b[i] ^= 0x20
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	db, err = Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.ForEachChunk(ctx, func(Chunk) error { return nil }); !errors.Is(err, ErrCorrupt) {
		t.Errorf("damaged chunk: got %v, want ErrCorrupt", err)
	}
}

// TestChunksFollowContent: chunks are cut by content, so inserting and
// deleting lines in the middle of a large file changes only the chunks
// around the edits, and every chunk stays within ChunkSize.
func TestChunksFollowContent(t *testing.T) {
	var lines []string
	for i := range 60_000 {
		lines = append(lines, fmt.Sprintf("%032x:%d:Cdc.Test-%d", i*7919, 100+i, i))
	}
	join := func(ls []string) []byte { return []byte(strings.Join(ls, "\n") + "\n") }
	set := func(data []byte) map[string]bool {
		m := map[string]bool{}
		for _, c := range splitChunks(data) {
			if len(c) > ChunkSize || c[len(c)-1] != '\n' {
				t.Fatalf("chunk of %d bytes, ends %q", len(c), c[len(c)-1])
			}
			m[string(c)] = true
		}
		return m
	}
	before := set(join(lines))
	edited := append([]string{}, lines[:20_000]...)
	edited = append(edited, "0123456789abcdef0123456789abcdef:1:Cdc.Inserted")
	edited = append(edited, lines[20_000:40_000]...)
	edited = append(edited, lines[40_010:]...) // ten lines deleted
	after := set(join(edited))
	changed := 0
	for c := range after {
		if !before[c] {
			changed++
		}
	}
	if len(before) < 50 {
		t.Fatalf("only %d chunks for %d lines", len(before), len(lines))
	}
	if changed > 4 {
		t.Errorf("two edits changed %d of %d chunks, want at most 4", changed, len(after))
	}
}

// TestForEachChunkLast: Last marks each file's last chunk, and only it.
func TestForEachChunkLast(t *testing.T) {
	db, _ := openTemp(t)
	chunkFeed(t, db)
	var got []string
	if err := db.ForEachChunk(context.Background(), func(c Chunk) error {
		if c.Last {
			got = append(got, c.File)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, " ") != "a.hdb b.ndb d.hdu" {
		t.Errorf("last chunks: %v, want one per signature file", got)
	}
}
