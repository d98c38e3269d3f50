package sigdb

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

var update = flag.Bool("update", false, "rewrite golden files")

const feedsDir = "../../shared/corpus/feeds/clamav"

func openTemp(t *testing.T) (*DB, string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "s.db")
	db, err := Open(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, p
}

func fixedNow() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) }

func importPaths(t *testing.T, db *DB, feed string, paths ...string) (*ImportReport, error) {
	t.Helper()
	feeds, _, err := LoadSources(paths, feed)
	if err != nil {
		return nil, err
	}
	return db.Import(context.Background(), feeds, ImportOptions{Now: fixedNow})
}

func mustImport(t *testing.T, db *DB, feed string, paths ...string) *ImportReport {
	t.Helper()
	r, err := importPaths(t, db, feed, paths...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// cvdMembers unpacks a CVD with the standard library, independently of the
// cvd package, as the reference for byte-exact export.
func cvdMembers(t *testing.T, path string) map[string][]byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw[512:]))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	out := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		out[h.Name] = b
	}
}

func fileSum(t *testing.T, p string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func TestExportRoundTripTest6(t *testing.T) {
	db, _ := openTemp(t)
	mustImport(t, db, "", filepath.Join(feedsDir, "test-6.cvd"))
	want := cvdMembers(t, filepath.Join(feedsDir, "test-6.cvd"))
	dir := t.TempDir()
	files, err := db.Export(context.Background(), "test", dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(want) {
		t.Fatalf("exported %d files, CVD has %d members", len(files), len(want))
	}
	for name, data := range want {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("member %s not exported: %v", name, err)
		}
		if !bytes.Equal(got, data) {
			t.Errorf("member %s differs after export (%d vs %d bytes)", name, len(got), len(data))
		}
	}
}

func TestFeedInfoGolden(t *testing.T) {
	db, _ := openTemp(t)
	mustImport(t, db, "", filepath.Join(feedsDir, "test-6.cvd"))
	fi, err := db.Feed("test")
	if err != nil {
		t.Fatal(err)
	}
	fi.Source = filepath.Base(fi.Source)
	got, _ := json.MarshalIndent(fi, "", "  ")
	golden := filepath.Join("testdata", "test6-info.golden.json")
	if *update {
		os.WriteFile(golden, append(got, '\n'), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if string(append(got, '\n')) != string(want) {
		t.Errorf("feed info differs from %s (run go test -update):\n%s", golden, got)
	}
	if fi.Version != 6 || fi.HeaderSigs != 14 || fi.Name != "test" || fi.Format != "cvd" {
		t.Errorf("meta = %+v", fi.FeedMeta)
	}
}

func TestReimportReplacesAndIdenticalIsNoop(t *testing.T) {
	db, path := openTemp(t)
	mustImport(t, db, "", filepath.Join(feedsDir, "test-1.cvd"))
	r := mustImport(t, db, "", filepath.Join(feedsDir, "test-6.cvd"))
	if f := r.Feeds[0]; !f.Replaced || f.PreviousVersion != 1 || f.Version != 6 {
		t.Fatalf("report = %+v", f)
	}
	files, err := db.FeedFiles(context.Background(), "test")
	if err != nil {
		t.Fatal(err)
	}
	want := cvdMembers(t, filepath.Join(feedsDir, "test-6.cvd"))
	if len(files) != len(want) {
		t.Fatalf("feed holds %d files after replace, want %d (old files left?)", len(files), len(want))
	}
	db.Close()
	before := fileSum(t, path)
	db2, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err = importPaths(t, db2, "", filepath.Join(feedsDir, "test-6.cvd"))
	db2.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !r.Feeds[0].Unchanged {
		t.Errorf("identical re-import not reported unchanged: %+v", r.Feeds[0])
	}
	if fileSum(t, path) != before {
		t.Error("identical re-import changed the store file")
	}
}

func TestRollbackRefused(t *testing.T) {
	db, _ := openTemp(t)
	mustImport(t, db, "", filepath.Join(feedsDir, "test-6.cvd"))
	_, err := importPaths(t, db, "", filepath.Join(feedsDir, "test-3.cvd"))
	if !errors.Is(err, ErrRollback) {
		t.Fatalf("err = %v, want ErrRollback", err)
	}
	if fi, _ := db.Feed("test"); fi.Version != 6 {
		t.Fatalf("version %d after refused rollback", fi.Version)
	}
	feeds, _, _ := LoadSources([]string{filepath.Join(feedsDir, "test-3.cvd")}, "")
	if _, err := db.Import(context.Background(), feeds, ImportOptions{AllowDowngrade: true}); err != nil {
		t.Fatal(err)
	}
	if fi, _ := db.Feed("test"); fi.Version != 3 {
		t.Fatalf("forced downgrade left version %d", fi.Version)
	}
}

func TestBothContainersKeepHigher(t *testing.T) {
	feeds, notes, err := LoadSources([]string{filepath.Join(feedsDir, "test-6.cvd"), filepath.Join(feedsDir, "test-3.cvd")}, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(feeds) != 1 || feeds[0].Meta.Version != 6 {
		t.Fatalf("feeds = %+v", feeds)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "keeps version 6") {
		t.Fatalf("notes = %q", notes)
	}
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for n, c := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestAllOrNothing(t *testing.T) {
	db, path := openTemp(t)
	mustImport(t, db, "", filepath.Join(feedsDir, "test-6.cvd"))
	db.Close()
	before := fileSum(t, path)

	dir := writeFiles(t, map[string]string{
		"good.hdb": "44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test-Signature\n",
		"bad.ndb":  "Good.Sig-1:0:*:0102030405060708090a\nBad.Sig-2:0:*:zz11\nBad.Sig-3:0:*:0102\x00\n",
	})
	db, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = importPaths(t, db, "", filepath.Join(dir, "good.hdb"), filepath.Join(dir, "bad.ndb"))
	db.Close()
	var le *LineError
	if !errors.As(err, &le) || le.File != "bad.ndb" || le.Line != 2 {
		t.Fatalf("err = %v, want a LineError at bad.ndb:2", err)
	}
	if !strings.Contains(err.Error(), "bad.ndb:2:") || !strings.Contains(err.Error(), "bad.ndb:3:") {
		t.Errorf("message does not name every bad line:\n%v", err)
	}
	if !errors.Is(err, ErrInvalidInput) {
		t.Error("errors.Is(err, ErrInvalidInput) = false")
	}
	if fileSum(t, path) != before {
		t.Fatal("a refused import changed the store file")
	}
}

func TestSkipInvalid(t *testing.T) {
	db, _ := openTemp(t)
	dir := writeFiles(t, map[string]string{
		"mixed.ndb": "Good.Sig-1:0:*:0102030405060708090a\nBad.Sig-2:0:*:zz11\n# comment\nGood.Sig-3:0:*:41424344454647\n",
	})
	feeds, _, err := LoadSources([]string{dir + "/mixed.ndb"}, "")
	if err != nil {
		t.Fatal(err)
	}
	r, err := db.Import(context.Background(), feeds, ImportOptions{SkipInvalid: true})
	if err != nil {
		t.Fatal(err)
	}
	f := r.Feeds[0]
	if f.Signatures != 2 || len(f.SkippedLines) != 1 || f.SkippedLines[0].Line != 2 {
		t.Fatalf("report = %+v", f)
	}
	total := 0
	for _, n := range f.Skipped {
		total += n
	}
	if total != 1 {
		t.Errorf("skipped by reason = %v", f.Skipped)
	}
	// The bad line is kept for export and cdiffs; verify accepts it because
	// the import recorded it as skipped.
	files, _ := db.FeedFiles(context.Background(), "mixed.ndb")
	if !bytes.Contains(files[0].Data, []byte("Bad.Sig-2")) {
		t.Error("skipped line not kept in the stored file")
	}
	if _, err := db.Verify(context.Background(), nil); err != nil {
		t.Fatalf("verify after --skip-invalid: %v", err)
	}
}

func TestDuplicateNamesReported(t *testing.T) {
	db, _ := openTemp(t)
	dir := writeFiles(t, map[string]string{
		"d.hdb": "44d88612fea8a8f36de82e1278abb02f:68:Same.Name\n" +
			"54d88612fea8a8f36de82e1278abb02f:68:Other\n" +
			"64d88612fea8a8f36de82e1278abb02f:68:Same.Name\n",
	})
	r := mustImport(t, db, "", dir+"/d.hdb")
	d := r.Feeds[0].Duplicates
	if len(d) != 1 || d[0].Name != "Same.Name" || len(d[0].Lines) != 2 || d[0].Lines[0] != 1 || d[0].Lines[1] != 3 {
		t.Fatalf("duplicates = %+v", d)
	}
}

func TestUnknownFileRefused(t *testing.T) {
	dir := writeFiles(t, map[string]string{"notes.txt": "hello\n"})
	_, _, err := LoadSources([]string{dir + "/notes.txt"}, "")
	if !errors.Is(err, ErrUnknownFile) || !strings.Contains(err.Error(), "notes.txt") {
		t.Fatalf("err = %v", err)
	}
}

// TestCdiffRefusedClearly: a cdiff (ClamAV's real test-2.cdiff, and a
// damaged one under another name) is named as what it is, with what to
// import instead, not as an unknown file.
func TestCdiffRefusedClearly(t *testing.T) {
	real := "../../shared/corpus/feeds/clamav/test-2.cdiff"
	if _, err := os.Stat(real); err != nil {
		t.Skipf("../shared corpus missing: %v", err)
	}
	dir := writeFiles(t, map[string]string{"daily-9.bin": "ClamAV-Diff:9:x:"})
	for _, c := range []struct{ path, want string }{
		{real, "test-2.cdiff: sigdb: not a signature file or container: a cdiff, the edit of test 1 into 2; sigupdated applies cdiffs as it fetches them, here import the whole test-2.cvd (or test.cld) instead"},
		{dir + "/daily-9.bin", "daily-9.bin: sigdb: not a signature file or container: a damaged cdiff ("},
	} {
		_, _, err := LoadSources([]string{c.path}, "")
		if !errors.Is(err, ErrUnknownFile) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.path, err, c.want)
		}
	}
}

func TestFeedNaming(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"local.hdb": "44d88612fea8a8f36de82e1278abb02f:68:Eicar\n",
		"local.ndb": "Body.Sig:0:*:0102030405060708090a\n",
	})
	feeds, _, err := LoadSources([]string{dir + "/local.hdb", dir + "/local.ndb", filepath.Join(feedsDir, "test-2.cvd")}, "")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range feeds {
		names = append(names, f.Meta.Name)
	}
	if strings.Join(names, ",") != "local.hdb,local.ndb,test" {
		t.Fatalf("feed names = %v", names)
	}
	feeds, _, _ = LoadSources([]string{dir}, "mine")
	if len(feeds) != 1 || len(feeds[0].Files) != 2 || feeds[0].Meta.Name != "mine" {
		t.Fatalf("directory with --feed: %+v", feeds)
	}
}

func TestRefusesForeignAndNewerStores(t *testing.T) {
	dir := t.TempDir()
	foreign := filepath.Join(dir, "foreign.db")
	bdb, err := bolt.Open(foreign, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	bdb.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("other")); return err })
	bdb.Close()
	if _, err := Open(foreign, nil); !errors.Is(err, ErrNotStore) {
		t.Errorf("foreign bbolt: err = %v", err)
	}

	text := filepath.Join(dir, "text.db")
	os.WriteFile(text, bytes.Repeat([]byte("not a database\n"), 1000), 0o644)
	if _, err := Open(text, nil); !errors.Is(err, ErrNotStore) {
		t.Errorf("text file: err = %v", err)
	}

	newer := filepath.Join(dir, "newer.db")
	db, err := Open(newer, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.bolt.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keySchema, sealRecord([]byte{0, 0, 0, SchemaVersion + 1}))
	})
	db.Close()
	if _, err := Open(newer, nil); !errors.Is(err, ErrNewerSchema) {
		t.Errorf("newer schema: err = %v", err)
	}
	if _, err := Open(filepath.Join(dir, "missing.db"), &Options{ReadOnly: true}); err == nil {
		t.Error("read-only open of a missing store succeeded")
	}
}

// TestLockedStore checks that a store open for writing refuses a second
// open, for writing or reading, with ErrLocked and the path, and opens
// again once closed.
func TestLockedStore(t *testing.T) {
	db, p := openTemp(t)
	for _, ro := range []bool{false, true} {
		_, err := Open(p, &Options{ReadOnly: ro, Timeout: 50 * time.Millisecond})
		if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), p) {
			t.Errorf("second Open (read-only %v) = %v, want ErrLocked naming %s", ro, err, p)
		}
	}
	db.Close()
	again, err := Open(p, &Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	again.Close()
}

func TestState(t *testing.T) {
	db, _ := openTemp(t)
	if v, err := db.GetState("updater", "cooldown"); v != nil || err != nil {
		t.Fatalf("absent key = %q, %v", v, err)
	}
	if err := db.PutState("updater", "cooldown", []byte("2026-11-24T00:00:00Z")); err != nil {
		t.Fatal(err)
	}
	if v, _ := db.GetState("updater", "cooldown"); string(v) != "2026-11-24T00:00:00Z" {
		t.Fatalf("got %q", v)
	}
	db.PutState("updater", "cooldown", nil)
	if v, _ := db.GetState("updater", "cooldown"); v != nil {
		t.Fatalf("deleted key = %q", v)
	}
}

func TestDefaultPath(t *testing.T) {
	t.Setenv("SIGTOOL_DB", "/x/y.db")
	if p, _ := DefaultPath(); p != "/x/y.db" {
		t.Errorf("SIGTOOL_DB: %s", p)
	}
	t.Setenv("SIGTOOL_DB", "")
	t.Setenv("XDG_DATA_HOME", "/data")
	if p, _ := DefaultPath(); p != "/data/sigtool/sigtool.db" {
		t.Errorf("XDG_DATA_HOME: %s", p)
	}
	t.Setenv("XDG_DATA_HOME", "")
	t.Setenv("HOME", "/home/op")
	if p, _ := DefaultPath(); p != "/home/op/.local/share/sigtool/sigtool.db" {
		t.Errorf("HOME: %s", p)
	}
}

// TestReimportRepairsDamage: re-importing identical content over damaged
// chunks must rewrite them, not skip the feed as unchanged.
func TestReimportRepairsDamage(t *testing.T) {
	db, path := openTemp(t)
	mustImport(t, db, "", filepath.Join(feedsDir, "test-6.cvd"))
	db.Close()
	b, _ := os.ReadFile(path)
	i := bytes.Index(b, []byte("Eicar-Test-Signature"))
	if i < 0 {
		t.Fatal("signature text not found")
	}
	b[i] ^= 0x20
	os.WriteFile(path, b, 0o644)
	db, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Verify(context.Background(), nil); err == nil {
		t.Fatal("damage not detected")
	}
	r, err := importPaths(t, db, "", filepath.Join(feedsDir, "test-6.cvd"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Feeds[0].Unchanged {
		t.Fatal("re-import over damaged data reported unchanged")
	}
	if _, err := db.Verify(context.Background(), nil); err != nil {
		t.Fatalf("store not repaired: %v", err)
	}
}
