package quarantine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestPurge(t *testing.T) {
	s := openTemp(t)
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	old, _ := s.Put([]byte("old"), Record{Time: now.Add(-40 * day), Reason: "virus"})
	again, _ := s.Put([]byte("again"), Record{Time: now.Add(-50 * day), Reason: "virus"})
	s.Put([]byte("again"), Record{Time: now.Add(-time.Hour), Reason: "virus"}) // quarantined again lately
	fresh, _ := s.Put([]byte("fresh"), Record{Time: now.Add(-2 * day), Reason: "virus"})
	cut := now.Add(-30 * day)

	dry, err := s.Purge(cut, true)
	if err != nil || len(dry) != 1 || dry[0].ID != old {
		t.Fatalf("dry run = %+v, %v; want the old item", dry, err)
	}
	if _, _, err := s.Get(old); err != nil {
		t.Fatalf("dry run deleted: %v", err)
	}
	gone, err := s.Purge(cut, false)
	if err != nil || len(gone) != 1 || gone[0].ID != old || gone[0].Size != 3 {
		t.Fatalf("Purge = %+v, %v; want the old item", gone, err)
	}
	if _, _, err := s.Get(old); !errors.Is(err, ErrNotFound) {
		t.Errorf("old item: %v, want gone", err)
	}
	for _, id := range []string{again, fresh} {
		if _, _, err := s.Get(id); err != nil {
			t.Errorf("%s: %v, want kept", id[:8], err)
		}
	}
	if gone, err := s.Purge(cut, false); err != nil || len(gone) != 0 {
		t.Errorf("second Purge = %+v, %v", gone, err)
	}
}

// collide returns two contents whose IDs share their first n digits.
func collide(n int) (string, string) {
	seen := map[string]string{}
	for i := 0; ; i++ {
		c := fmt.Sprint("item ", i)
		p := IDOf([]byte(c))[:n]
		if o, ok := seen[p]; ok {
			return o, c
		}
		seen[p] = c
	}
}

// TestAmbiguousPrefix: the error lists every candidate (short ID, time,
// reason, signature, file) so the next try can be exact.
func TestAmbiguousPrefix(t *testing.T) {
	s := openTemp(t)
	a, b := collide(MinPrefix)
	when := time.Date(2026, 11, 30, 8, 15, 0, 0, time.Local)
	idA, _ := s.Put([]byte(a), Record{Time: when, Reason: "virus", Signature: "Eicar-Test-Signature", Filename: "eicar.com"})
	idB, _ := s.Put([]byte(b), Record{Time: when, Reason: "encrypted", Signature: "Policy.Encrypted", Filename: "secret\n.zip"})
	_, _, err := s.Get(idA[:MinPrefix])
	var amb *AmbiguousError
	if !errors.As(err, &amb) || !errors.Is(err, ErrAmbiguous) || amb.Matches != 2 || len(amb.Candidates) != 2 {
		t.Fatalf("Get(%s) = %v", idA[:MinPrefix], err)
	}
	msg := err.Error()
	for _, want := range []string{idA[:12], idB[:12], "2026-11-30 08:15", "Eicar-Test-Signature", "eicar.com", "secret\\n.zip", "give more digits"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	if strings.Count(msg, "\n") != 2 {
		t.Errorf("a file name broke the message's lines:\n%s", msg)
	}
	// One digit more than the common prefix is enough.
	n := MinPrefix
	for idA[:n] == idB[:n] {
		n++
	}
	if _, got, err := s.Get(idB[:n]); err != nil || string(got) != b {
		t.Errorf("Get(%s) = %q, %v", idB[:n], got, err)
	}
}

// TestDeleteAllOrNothing: one bad ID among several deletes nothing.
func TestDeleteAllOrNothing(t *testing.T) {
	s := openTemp(t)
	id1, _ := s.Put([]byte("one"), Record{Reason: "virus"})
	id2, _ := s.Put([]byte("two"), Record{Reason: "virus"})
	id3, _ := s.Put([]byte("three"), Record{Reason: "virus"})
	if _, err := s.Delete(id1, "zzzz"); !errors.Is(err, ErrBadID) {
		t.Fatalf("Delete with a bad ID: %v", err)
	}
	if _, err := s.Delete(id1, strings.Repeat("0", 64)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Delete with a missing ID: %v", err)
	}
	if items, _ := s.List(); len(items) != 3 {
		t.Fatalf("a failed Delete deleted: %d items left", len(items))
	}
	done, err := s.Delete(id1[:MinPrefix+4], id2, id1)
	if err != nil || len(done) != 2 || done[0] != id1 || done[1] != id2 {
		t.Fatalf("Delete = %v, %v", done, err)
	}
	if items, _ := s.List(); len(items) != 1 || items[0].ID != id3 {
		t.Fatalf("left %+v", items)
	}
}

func TestPathFor(t *testing.T) {
	for db, want := range map[string]string{
		"/var/lib/sigtool/sigtool.db": "/var/lib/sigtool/sigtool.quarantine.db",
		"/srv/a/test.db":              "/srv/a/test.quarantine.db",
		"/srv/a.b/store":              "/srv/a.b/store.quarantine.db",
		"rel.bolt":                    "rel.quarantine.db",
	} {
		if got := PathFor(db); got != want {
			t.Errorf("PathFor(%s) = %s, want %s", db, got, want)
		}
	}
}

// TestFind: a store's own quarantine, else the shared one an older
// version left in the folder, else its own (to be created).
func TestFind(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "a.db")
	if p, legacy := Find(db); p != PathFor(db) || legacy {
		t.Errorf("empty folder: %s %v", p, legacy)
	}
	shared := filepath.Join(dir, DefaultFile)
	os.WriteFile(shared, nil, 0o600)
	if p, legacy := Find(db); p != shared || !legacy {
		t.Errorf("with a shared quarantine.db: %s %v", p, legacy)
	}
	os.WriteFile(PathFor(db), nil, 0o600)
	if p, legacy := Find(db); p != PathFor(db) || legacy {
		t.Errorf("with its own: %s %v", p, legacy)
	}
}

// TestPurgeBatches: a purge of more items than one transaction takes
// deletes them all; an item quarantined again between the listing and its
// batch stays.
func TestPurgeBatches(t *testing.T) {
	s := openTemp(t)
	long := time.Now().Add(-100 * 24 * time.Hour)
	for i := range purgeBatch*2 + 3 {
		if _, err := s.Put([]byte(fmt.Sprint("old ", i)), Record{Time: long}); err != nil {
			t.Fatal(err)
		}
	}
	gone, err := s.Purge(time.Now().Add(-24*time.Hour), false)
	if err != nil || len(gone) != purgeBatch*2+3 {
		t.Fatalf("Purge = %d items, %v", len(gone), err)
	}
	if items, _ := s.List(); len(items) != 0 {
		t.Fatalf("%d items left", len(items))
	}
}

func TestPurgeRechecks(t *testing.T) {
	s := openTemp(t)
	before := time.Now().Add(-24 * time.Hour)
	s.Put([]byte("x"), Record{Time: before.Add(-time.Hour)})
	old, err := s.older(before)
	if err != nil || len(old) != 1 {
		t.Fatalf("older = %v, %v", old, err)
	}
	s.Put([]byte("x"), Record{}) // again, now
	s.view(func(tx *bolt.Tx) error {
		if still, err := olderIn(tx, before, old); err != nil || len(still) != 0 {
			t.Errorf("olderIn after a new record = %v, %v", still, err)
		}
		return nil
	})
}
