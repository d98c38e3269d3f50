package engine

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/sigtool/sigtool/sigdb"
)

func openStore(t testing.TB) *sigdb.DB {
	t.Helper()
	db, err := sigdb.Open(filepath.Join(t.TempDir(), "s.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// put replaces feed with the given files (name, content pairs).
func put(t testing.TB, db *sigdb.DB, feed string, version int, opt sigdb.ImportOptions, files ...string) {
	t.Helper()
	if len(files)%2 != 0 {
		t.Fatal("put: want name, content pairs")
	}
	var fs []sigdb.File
	for i := 0; i < len(files); i += 2 {
		fs = append(fs, sigdb.File{Name: files[i], Data: []byte(files[i+1])})
	}
	if _, err := db.ReplaceFeed(context.Background(), sigdb.FeedMeta{Name: feed, Version: version, Format: "files"}, fs, opt); err != nil {
		t.Fatalf("import %s v%d: %v", feed, version, err)
	}
}

// marker is the text that signature Marker-k finds.
func marker(k int) string { return fmt.Sprintf("SIGTOOL-ENGINE-MARKER-%03d-END", k) }

// ndbLine is a body signature named name finding text anywhere.
func ndbLine(name, text string) string {
	return fmt.Sprintf("%s:0:*:%s\n", name, hex.EncodeToString([]byte(text)))
}

func detect(t testing.TB, s *Snapshot, data []byte) []string {
	t.Helper()
	got, err := s.Detect(context.Background(), bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("detect: %v", err)
	}
	return got
}

func equalNames(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
