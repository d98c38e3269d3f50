package quarantine

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func openTemp(t testing.TB) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "q", "quarantine.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestPutGetRoundTrip(t *testing.T) {
	s := openTemp(t)
	content := []byte("MZ\x90\x00 pretend this is malware")
	when := time.Date(2024, 5, 1, 12, 0, 0, 0, time.FixedZone("X", 3600))
	r := Record{MessageID: "<a@b>", EnvelopeID: "Q1", Time: when, Reason: "virus", Signature: "Test.Marker.A", Filename: "../../etc/passwd"}
	id, err := s.Put(content, r)
	if err != nil {
		t.Fatal(err)
	}
	if id != IDOf(content) || len(id) != 64 {
		t.Fatalf("id = %q, want the SHA-256 of the content", id)
	}
	it, got, err := s.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, content) || it.Size != int64(len(content)) || len(it.Records) != 1 {
		t.Fatalf("got %q, item %+v", got, it)
	}
	g := it.Records[0]
	if !g.Time.Equal(when) || g.Filename != r.Filename || g.Signature != r.Signature || g.MessageID != r.MessageID {
		t.Fatalf("record = %+v, want %+v", g, r)
	}
	// A file name from mail must not have become a path anywhere.
	entries, _ := os.ReadDir(filepath.Dir(s.Path()))
	if len(entries) != 1 {
		t.Fatalf("store directory holds %d entries, want only the db", len(entries))
	}
}

func TestSameContentAddsRecord(t *testing.T) {
	s := openTemp(t)
	c := []byte("same bytes")
	id1, err := s.Put(c, Record{Reason: "virus", Filename: "a.exe"})
	if err != nil {
		t.Fatal(err)
	}
	id2, err := s.Put(c, Record{Reason: "encrypted", Filename: "b.zip"})
	if err != nil {
		t.Fatal(err)
	}
	if id1 != id2 {
		t.Fatalf("ids differ: %s %s", id1, id2)
	}
	items, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 || len(items[0].Records) != 2 || items[0].Records[1].Filename != "b.zip" {
		t.Fatalf("items = %+v", items)
	}
	if items[0].Records[0].Time.IsZero() {
		t.Fatal("zero time not replaced by now")
	}
}

func TestPersistsAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir) // a directory means DefaultFile inside it
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.Put([]byte("keep me"), Record{Reason: "virus"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, DefaultFile)); err != nil {
		t.Fatal(err)
	}
	s, err = Open(filepath.Join(dir, DefaultFile))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, got, err := s.Get(id[:MinPrefix]); err != nil || string(got) != "keep me" {
		t.Fatalf("Get after reopen = %q, %v", got, err)
	}
}

func TestGetErrors(t *testing.T) {
	s := openTemp(t)
	id, _ := s.Put([]byte("x"), Record{Reason: "virus"})
	// Two contents whose IDs share the first MinPrefix digits, found by
	// brute force (a birthday search over a few hundred hashes).
	seen := map[string]string{}
	var a, b string
	for i := 0; a == ""; i++ {
		c := fmt.Sprint("item ", i)
		p := IDOf([]byte(c))[:MinPrefix]
		if o, ok := seen[p]; ok {
			a, b = o, c
		}
		seen[p] = c
	}
	idA, _ := s.Put([]byte(a), Record{})
	if _, err := s.Put([]byte(b), Record{}); err != nil {
		t.Fatal(err)
	}
	missing := "ffffffff" + id[8:]
	if missing[:MinPrefix] == id[:MinPrefix] {
		missing = "00000000" + id[8:]
	}
	tests := []struct {
		id   string
		want error
	}{
		{"", ErrBadID},
		{id[:MinPrefix-1], ErrBadID},
		{"../../etc/passwd", ErrBadID},
		{id + "0", ErrBadID},
		{missing, ErrNotFound},
		{idA[:MinPrefix], ErrAmbiguous},
	}
	for _, tt := range tests {
		if _, _, err := s.Get(tt.id); !errors.Is(err, tt.want) {
			t.Errorf("Get(%q) error = %v, want %v", tt.id, err, tt.want)
		}
	}
	if _, got, err := s.Get(idA); err != nil || string(got) != a {
		t.Errorf("Get(full ambiguous-prefix id) = %q, %v", got, err)
	}
}

func TestCorruptContentDetected(t *testing.T) {
	s := openTemp(t)
	id, _ := s.Put([]byte("original"), Record{})
	err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketContent).Put([]byte(id), []byte("tampered"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Get(id); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Get of tampered item: %v, want ErrCorrupt", err)
	}
	out := filepath.Join(t.TempDir(), "out")
	if err := s.Release(id, out); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Release of tampered item: %v", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatal("tampered item was released")
	}
	// A second Put of the original bytes must not paper over the damage.
	if _, err := s.Put([]byte("original"), Record{}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Put over tampered item: %v", err)
	}
}

func TestRelease(t *testing.T) {
	s := openTemp(t)
	id, _ := s.Put([]byte("released"), Record{Filename: "evil.exe"})
	out := filepath.Join(t.TempDir(), "out.bin")
	if err := s.Release(id, out); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(out); string(got) != "released" {
		t.Fatalf("released %q", got)
	}
	if err := s.Release(id, out); !errors.Is(err, os.ErrExist) {
		t.Fatalf("second release over existing file: %v", err)
	}
	if _, _, err := s.Get(id); err != nil {
		t.Fatalf("item gone after release: %v", err)
	}
	if _, err := s.Delete(id); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Get(id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete: %v", err)
	}
}

func TestOpenRefusesOtherFiles(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk")
	os.WriteFile(junk, bytes.Repeat([]byte("not bolt"), 1024), 0o600)
	other := filepath.Join(dir, "other.db")
	db, err := bolt.Open(other, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("feeds")); return err })
	db.Close()
	for _, p := range []string{junk, other} {
		if s, err := Open(p); !errors.Is(err, ErrNotStore) {
			if s != nil {
				s.Close()
			}
			t.Errorf("Open(%s) = %v, want ErrNotStore", filepath.Base(p), err)
		}
	}
	if got, _ := os.ReadFile(junk); !bytes.HasPrefix(got, []byte("not bolt")) {
		t.Error("Open modified a file that is not a store")
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	p := filepath.Join(t.TempDir(), "q.db")
	s, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keySchema, []byte{0, 0, 0, SchemaVersion + 1})
	})
	s.Close()
	if s, err := Open(p); !errors.Is(err, ErrSchema) {
		if s != nil {
			s.Close()
		}
		t.Fatalf("Open of newer schema: %v", err)
	}
}

func TestLockedStore(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the lock timeout")
	}
	s := openTemp(t)
	if s2, err := Open(s.Path()); !errors.Is(err, ErrLocked) {
		if s2 != nil {
			s2.Close()
		}
		t.Fatalf("second Open = %v, want ErrLocked", err)
	}
}

func BenchmarkPut(b *testing.B) {
	s := openTemp(b)
	content := bytes.Repeat([]byte("attachment "), 20000)
	b.SetBytes(int64(len(content)))
	for i := 0; b.Loop(); i++ {
		copy(content, fmt.Sprint(i))
		if _, err := s.Put(content, Record{Reason: "virus"}); err != nil {
			b.Fatal(err)
		}
	}
}
