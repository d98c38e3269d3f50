package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigtool/sigtool/sigdb"
)

const feedsDir = "../../../shared/corpus/feeds/clamav"

// TestMain keeps the tests off an installed daemon's configuration and
// store: on a gateway they would otherwise be every test's default.
func TestMain(m *testing.M) {
	systemConfig = "/nonexistent/sigtool-test/sigupdated.toml"
	systemStateDir = "/nonexistent/sigtool-test/state"
	os.Exit(m.Run())
}

// run executes sigtool in-process and returns its exit status and output.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return runIn(t, nil, args...)
}

func TestImportInfoVerifyExport(t *testing.T) {
	db := filepath.Join(t.TempDir(), "s.db")
	if code, _, errOut := run(t, "--db", db, "import", filepath.Join(feedsDir, "test-6.cvd")); code != 0 {
		t.Fatalf("import: exit %d: %s", code, errOut)
	}
	code, out, _ := run(t, "--db", db, "info", "--json")
	if code != 0 {
		t.Fatalf("info exit %d", code)
	}
	var info struct {
		Feeds []struct {
			Name       string         `json:"name"`
			Version    int            `json:"version"`
			Signatures int            `json:"signatures"`
			ByType     map[string]int `json:"by_type"`
		} `json:"feeds"`
		Signatures int `json:"signatures"`
	}
	if err := json.Unmarshal([]byte(out), &info); err != nil {
		t.Fatalf("info --json is not JSON: %v\n%s", err, out)
	}
	if len(info.Feeds) != 1 || info.Feeds[0].Name != "test" || info.Feeds[0].Version != 6 {
		t.Fatalf("info = %+v", info)
	}
	sum := 0
	for _, n := range info.Feeds[0].ByType {
		sum += n
	}
	if sum != info.Signatures || info.Signatures == 0 {
		t.Errorf("by_type sums to %d, signatures %d", sum, info.Signatures)
	}
	if code, out, _ := run(t, "--db", db, "verify"); code != 0 || !strings.Contains(out, "intact") {
		t.Fatalf("verify: exit %d: %s", code, out)
	}
	dir := t.TempDir()
	if code, _, errOut := run(t, "--db", db, "export", dir); code != 0 {
		t.Fatalf("export: exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "test", "test.ndb")); err != nil {
		t.Fatalf("export layout: %v", err)
	}
}

func TestImportBadLineExit2(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "s.db")
	bad := filepath.Join(dir, "bad.ndb")
	os.WriteFile(bad, []byte("Good.Sig-1:0:*:0102030405060708090a\nBad.Sig-2:0:*:zz11\n"), 0o644)
	code, _, errOut := run(t, "--db", db, "import", bad)
	if code != 2 || !strings.Contains(errOut, "bad.ndb:2") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}

// TestLockedStoreSaysWhy: a store another process holds (as a running
// sigupdated does) is an error that names it and what to do.
func TestLockedStoreSaysWhy(t *testing.T) {
	p := filepath.Join(t.TempDir(), "s.db")
	held, err := sigdb.Open(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	code, _, errOut := run(t, "--db", p, "info")
	if code != 2 || !strings.Contains(errOut, p) || !strings.Contains(errOut, "in use by another process") || !strings.Contains(errOut, "sigupdated") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}

func TestHashLine(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f.bin")
	os.WriteFile(p, []byte("abc"), 0o644)
	code, out, _ := run(t, "hash", p)
	want := "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad:3:f.bin\n"
	if code != 0 || out != want {
		t.Fatalf("exit %d, out %q, want %q", code, out, want)
	}
	if code, _, _ := run(t, "hash", p+".missing"); code != 2 {
		t.Fatalf("missing file: exit %d", code)
	}
}

func TestFeedKeygenBuild(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "k")
	code, out, errOut := run(t, "feed", "keygen", "--out", key)
	if code != 0 || !strings.HasPrefix(out, "public_key = ") {
		t.Fatalf("keygen: exit %d %q %q", code, out, errOut)
	}
	if st, err := os.Stat(key + ".key"); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("private key file: %v %v", st, err)
	}
	if code, _, _ := run(t, "feed", "keygen", "--out", key); code != 2 {
		t.Fatal("keygen overwrote an existing key")
	}
	sig := filepath.Join(dir, "local.ndb")
	os.WriteFile(sig, []byte("Local.Sig-1:0:*:0102030405060708090a\n"), 0o644)
	pub := filepath.Join(dir, "feed")
	if code, _, errOut := run(t, "feed", "build", "--key", key+".key", "--version", "3", "--out", pub, sig); code != 0 {
		t.Fatalf("build: exit %d %s", code, errOut)
	}
	for _, f := range []string{"manifest.json", "manifest.json.sig", "local.ndb"} {
		if _, err := os.Stat(filepath.Join(pub, f)); err != nil {
			t.Errorf("published feed lacks %s: %v", f, err)
		}
	}
}
