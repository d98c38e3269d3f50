package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sigtool/sigtool/quarantine"
)

// collide returns two contents whose IDs share their first n digits.
func collide(n int) (string, string) {
	seen := map[string]string{}
	for i := 0; ; i++ {
		c := fmt.Sprint("attachment ", i)
		p := quarantine.IDOf([]byte(c))[:n]
		if o, ok := seen[p]; ok {
			return o, c
		}
		seen[p] = c
	}
}

// fillQuarantine puts items into the quarantine at path and closes it.
func fillQuarantine(t *testing.T, path string, items map[string]quarantine.Record) map[string]string {
	t.Helper()
	q, err := quarantine.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	ids := map[string]string{}
	for content, r := range items {
		if ids[content], err = q.Put([]byte(content), r); err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

// TestQuarantineCommands: IDs by unique prefix (at least 4 digits), an
// ambiguous prefix listing its candidates, delete (all or nothing) and
// purge --older-than, on the store's own quarantine.
func TestQuarantineCommands(t *testing.T) {
	t.Setenv("SIGTOOL_DB", "")
	db := filepath.Join(t.TempDir(), "gw.db")
	a, b := collide(4)
	now := time.Now()
	ids := fillQuarantine(t, quarantine.PathFor(db), map[string]quarantine.Record{
		a:       {Time: now.Add(-40 * 24 * time.Hour), Reason: "virus", Signature: "Win.Test.A", Filename: "a.exe"},
		b:       {Time: now.Add(-time.Hour), Reason: "virus", Signature: "Win.Test.B", Filename: "b.exe"},
		"fresh": {Time: now, Reason: "encrypted", Signature: "Policy.Encrypted", Filename: "c.zip"},
		"stale": {Time: now.Add(-10 * 24 * time.Hour), Reason: "virus", Signature: "Win.Test.C", Filename: "d.exe"},
	})
	q := func(args ...string) (int, string, string) {
		return run(t, append([]string{"--db", db, "quarantine"}, args...)...)
	}
	unique := func(id string) string { // its shortest unique prefix, at least 4
		for n := 4; ; n++ {
			clash := false
			for _, o := range ids {
				clash = clash || o != id && strings.HasPrefix(o, id[:n])
			}
			if !clash {
				return id[:n]
			}
		}
	}

	if code, out, errOut := q("show", unique(ids["fresh"])); code != 0 || !strings.Contains(out, "Policy.Encrypted") {
		t.Errorf("show by prefix: exit %d %s%s", code, out, errOut)
	}
	code, _, errOut := q("show", ids[a][:4])
	if code != exitError || !strings.Contains(errOut, "ambiguous, 2 items match") || !strings.Contains(errOut, ids[a][:12]) ||
		!strings.Contains(errOut, ids[b][:12]) || !strings.Contains(errOut, "Win.Test.B") {
		t.Errorf("show by ambiguous prefix: exit %d %s", code, errOut)
	}
	if code, _, errOut := q("show", "c54"); code != exitError || !strings.Contains(errOut, "want 4 to 64 hex digits") {
		t.Errorf("show by 3 digits: exit %d %s", code, errOut)
	}

	// delete: one bad ID deletes nothing; then both by prefix.
	if code, _, errOut := q("delete", unique(ids["stale"]), "ffff0000"); code != exitError || !strings.Contains(errOut, "nothing deleted") {
		t.Errorf("delete with a missing ID: exit %d %s", code, errOut)
	}
	if code, out, _ := q("list"); code != 0 || strings.Count(out, "\n") != 4 {
		t.Fatalf("after a failed delete: %s", out)
	}
	if code, out, errOut := q("delete", unique(ids["stale"]), ids[b]); code != 0 || out != "deleted "+ids["stale"]+"\ndeleted "+ids[b]+"\n" {
		t.Errorf("delete: exit %d %q %s", code, out, errOut)
	}

	// purge: a typo in the unit is refused; a dry run deletes nothing.
	for _, bad := range [][]string{{"purge"}, {"purge", "--older-than", "30m"}, {"purge", "--older-than", "a month"}} {
		if code, _, errOut := q(bad...); code != exitError {
			t.Errorf("%v: exit %d %s", bad, code, errOut)
		}
	}
	if code, out, _ := q("purge", "--older-than", "30d", "--dry-run"); code != 0 || !strings.Contains(out, "would purge "+ids[a][:12]) || !strings.Contains(out, "would purge 1 files") {
		t.Errorf("dry run: exit %d %s", code, out)
	}
	if code, out, _ := q("purge", "--older-than", "30d"); code != 0 || !strings.Contains(out, "purged 1 files, "+fmt.Sprint(len(a))+" bytes") {
		t.Errorf("purge: exit %d %s", code, out)
	}
	if code, out, _ := q("list"); code != 0 || out != "" && (strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, ids["fresh"])) {
		t.Errorf("left after purge: %s", out)
	}
}

// TestQuarantineBesideItsStore: mailscan keeps what it removes in the
// store's own quarantine (NAME.quarantine.db), two stores in one folder
// have two; a shared quarantine.db of older versions is still found.
func TestQuarantineBesideItsStore(t *testing.T) {
	t.Setenv("SIGTOOL_DB", "")
	dir := t.TempDir()
	sigs := filepath.Join(dir, "marker.ndb")
	os.WriteFile(sigs, []byte("Test.Marker.A:0:*:4d41524b45522d41\n"), 0o644)
	msg := filepath.Join(dir, "in.eml")
	os.WriteFile(msg, golden(t, "attachment-7bit-lf"), 0o644)
	for _, name := range []string{"one", "two"} {
		db := filepath.Join(dir, name+".db")
		if code, _, errOut := run(t, "--db", db, "import", sigs); code != 0 {
			t.Fatal(errOut)
		}
		if code, out, errOut := run(t, "--db", db, "mailscan", msg); code != exitFound || !strings.Contains(out, "removed (quarantine ") {
			t.Fatalf("mailscan: exit %d %s%s", code, out, errOut)
		}
		if _, err := os.Stat(filepath.Join(dir, name+".quarantine.db")); err != nil {
			t.Errorf("no quarantine of its own for %s: %v", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, quarantine.DefaultFile)); err == nil {
		t.Error("a shared quarantine.db was created")
	}

	old := t.TempDir()
	ids := fillQuarantine(t, filepath.Join(old, quarantine.DefaultFile), map[string]quarantine.Record{"from before": {Reason: "virus"}})
	code, out, errOut := run(t, "--db", filepath.Join(old, "sigtool.db"), "quarantine", "list")
	if code != 0 || !strings.HasPrefix(out, ids["from before"]) || !strings.Contains(errOut, "note: using "+filepath.Join(old, "quarantine.db")) ||
		!strings.Contains(errOut, "rename it to "+filepath.Join(old, "sigtool.quarantine.db")) {
		t.Errorf("legacy quarantine: exit %d %q %q", code, out, errOut)
	}
}

// TestDefaultStoreFromDaemonConfig: without --db and $SIGTOOL_DB the
// commands use the daemon's store and quarantine from its configuration;
// --db still wins, and without a configuration the per-user store is used.
func TestDefaultStoreFromDaemonConfig(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SIGTOOL_DB", "")
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, "home"))
	saved, savedState := systemConfig, systemStateDir
	t.Cleanup(func() { systemConfig, systemStateDir = saved, savedState })
	systemConfig = filepath.Join(dir, "none.toml")
	systemStateDir = filepath.Join(dir, "var-lib-sigtool")
	g := &globalOptions{}
	if p, err := g.dbPath(); err != nil || p != filepath.Join(dir, "home", "sigtool", "sigtool.db") {
		t.Errorf("no daemon configuration, no state folder: %s %v", p, err)
	}
	// A server with the packaged state folder: its store, for root
	// before the first update too; not for one who may not write there.
	os.Mkdir(systemStateDir, 0o750)
	if p, err := (&globalOptions{}).dbPath(); err != nil || p != filepath.Join(systemStateDir, "sigtool.db") {
		t.Errorf("state folder: %s %v", p, err)
	}
	if code, _, errOut := run(t, "import", filepath.Join(feedsDir, "test-1.cvd")); code != 0 {
		t.Fatalf("import into the state folder's store: %s", errOut)
	}
	if _, err := os.Stat(filepath.Join(systemStateDir, "sigtool.db")); err != nil {
		t.Errorf("the import did not go into the state folder: %v", err)
	}
	if os.Geteuid() != 0 {
		os.Chmod(systemStateDir, 0o500)
		os.Chmod(filepath.Join(systemStateDir, "sigtool.db"), 0)
		if p, _ := (&globalOptions{}).dbPath(); p != filepath.Join(dir, "home", "sigtool", "sigtool.db") {
			t.Errorf("a state folder this user may not use: %s, want the per-user store", p)
		}
		os.Chmod(systemStateDir, 0o750)
	}

	systemConfig = filepath.Join(dir, "sigupdated.toml")
	daemonDB, daemonQ := filepath.Join(dir, "var", "sigtool.db"), filepath.Join(dir, "var", "q.db")
	os.WriteFile(systemConfig, []byte(fmt.Sprintf("db = %q\n[scan]\nunix_socket = \"/run/x.sock\"\n[mail]\nquarantine = %q\n", daemonDB, daemonQ)), 0o644)
	var errb strings.Builder
	g = &globalOptions{}
	if p, err := g.dbPath(); err != nil || p != daemonDB {
		t.Errorf("daemon's store: %s %v", p, err)
	}
	if p, err := g.quarantinePath("", &errb); err != nil || p != daemonQ {
		t.Errorf("daemon's quarantine: %s %v", p, err)
	}
	g = &globalOptions{db: filepath.Join(dir, "mine.db")}
	if p, err := g.quarantinePath("", &errb); err != nil || p != filepath.Join(dir, "mine.quarantine.db") {
		t.Errorf("--db's own quarantine: %s %v", p, err)
	}
	// Real commands read it too: import and info on the daemon's store.
	sigs := filepath.Join(dir, "local.ndb")
	os.WriteFile(sigs, []byte("Test.Marker.A:0:*:4d41524b45522d41\n"), 0o644)
	if code, _, errOut := run(t, "import", sigs); code != 0 {
		t.Fatalf("import into the daemon's store: %s", errOut)
	}
	if code, out, errOut := run(t, "--db", daemonDB, "info"); code != 0 || !strings.Contains(out, "local.ndb") {
		t.Errorf("the import did not go into the daemon's store: exit %d %s%s", code, out, errOut)
	}

	os.WriteFile(systemConfig, []byte("db = 5\n"), 0o644)
	if _, err := (&globalOptions{}).dbPath(); err == nil || !strings.Contains(err.Error(), "give --db") {
		t.Errorf("broken daemon configuration: %v", err)
	}
}

// TestFilterWithoutDaemonConfig: on a host with no sigupdated
// configuration the pipe filter compiles the store itself; with one it
// cannot read, it is a temporary failure, never a silent fallback.
func TestFilterWithoutDaemonConfig(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SIGTOOL_DAEMON", "")
	saved := systemConfig
	t.Cleanup(func() { systemConfig = saved })
	systemConfig = filepath.Join(dir, "none.toml")
	db := filepath.Join(dir, "s.db")
	sigs := filepath.Join(dir, "marker.ndb")
	os.WriteFile(sigs, []byte("Test.Marker.A:0:*:4d41524b45522d41\n"), 0o644)
	if code, _, errOut := run(t, "--db", db, "import", sigs); code != 0 {
		t.Fatal(errOut)
	}
	code, out, errOut := runIn(t, golden(t, "attachment-7bit-lf"), "--db", db, "mailscan", "-")
	if code != 0 || !strings.Contains(out, "X-Virus-Status: Infected (Test.Marker.A)") {
		t.Fatalf("no daemon configuration: exit %d\n%s%s", code, out, errOut)
	}
	// A configuration that is there but cannot be read (here a directory,
	// which root cannot read either).
	systemConfig = dir
	if code, out, _ := runIn(t, golden(t, "attachment-7bit-lf"), "--db", db, "mailscan", "-"); code != exitTempFail || out != "" {
		t.Errorf("unreadable daemon configuration: exit %d, %d bytes", code, len(out))
	}
}
