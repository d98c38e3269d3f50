package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestErrorsDoNotStutter: the CLI's error messages name each thing once.
// Wrapping an *os.PathError under its own path ("x.eml: stat x.eml: ...")
// or a package prefix under itself ("mailscan: mailscan: ...") reads as a
// stutter; every failing command here must say what failed, with no two
// neighbouring parts of a message naming the same thing.
func TestErrorsDoNotStutter(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "s.db")
	if code, _, errOut := run(t, "--db", db, "import", filepath.Join(feedsDir, "test-1.cvd")); code != 0 {
		t.Fatalf("import: exit %d: %s", code, errOut)
	}
	eml := filepath.Join(dir, "m.eml")
	os.WriteFile(eml, []byte("From: a@example.org\r\nSubject: x\r\n\r\nhello\r\n"), 0o644)
	bad := filepath.Join(dir, "bad.hdb")
	os.WriteFile(bad, []byte("44d88612fea8a8f36de82e1278abb02f:68:Eicar\nnot a line\n"), 0o644)
	notStore := filepath.Join(dir, "notes.db")
	os.WriteFile(notStore, []byte("not a bbolt file, long enough to be read as one ............"), 0o644)
	missing := filepath.Join(dir, "none")
	for _, c := range []struct {
		name string
		args []string
		says string // what the message must name
	}{
		{"import missing", []string{"--db", db, "import", missing + ".hdb"}, "none.hdb"},
		{"import bad line", []string{"--db", db, "import", bad}, "bad.hdb:2"},
		{"import cdiff", []string{"--db", db, "import", filepath.Join(feedsDir, "test-2.cdiff")}, "test-2.cvd"},
		{"info no store", []string{"--db", missing + ".db", "info"}, "none.db"},
		{"info not a store", []string{"--db", notStore, "info"}, "notes.db"},
		{"verify no store", []string{"--db", missing + ".db", "verify"}, "none.db"},
		{"export no store", []string{"--db", missing + ".db", "export", dir}, "none.db"},
		{"scan missing", []string{"--db", db, "scan", missing + ".exe"}, "none.exe"},
		{"scan -d missing", []string{"scan", "-d", missing, eml}, "none"},
		{"mailscan missing", []string{"--db", db, "mailscan", missing + ".eml"}, "none.eml"},
		{"mailscan policy", []string{"--db", db, "mailscan", "--policy", missing + ".toml", eml}, "none.toml"},
		{"mailscan out", []string{"--db", db, "mailscan", "--out", missing, eml}, "none"},
		{"filter policy", []string{"--db", db, "mailscan", "--policy", missing + ".toml", "-"}, "none.toml"},
		{"quarantine id", []string{"--db", db, "quarantine", "show", "zzzz"}, "zzzz"},
		{"quarantine none", []string{"--db", db, "quarantine", "show", "0123"}, "0123"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := run(t, c.args...)
			errOut += out // scan reports an unreadable file on stdout, as clamscan
			if code == 0 || !strings.Contains(errOut, c.says) {
				t.Errorf("exit %d, output %q: want a failure naming %q", code, errOut, c.says)
			}
			if s := stutter(errOut); s != "" {
				t.Errorf("stutters: %s", s)
			}
		})
	}
}

// stutter returns the first line of msg in which two neighbouring parts
// (split at ": ") are the same or end in the same word, "" if none.
func stutter(msg string) string {
	last := func(s string) string { return s[strings.LastIndexByte(s, ' ')+1:] }
	for _, line := range strings.Split(msg, "\n") {
		parts := strings.Split(line, ": ")
		for i := 1; i < len(parts); i++ {
			a, b := parts[i-1], parts[i]
			if a == b || (len(last(a)) > 2 && last(a) == last(b)) {
				return line
			}
		}
	}
	return ""
}

func TestStutter(t *testing.T) {
	for msg, want := range map[string]bool{
		"mailscan: mailscan: bad policy":                       true,
		"mailscan: x.eml: stat x.eml: no such file":            true,
		"sigdb: open /a/s.db: stat /a/s.db: no such file":      true,
		"sigtool: quarantine: 0123: no such item":              false,
		"x.hdb:2: invalid line\nmailscan: m.eml: kept: reason": false,
	} {
		if got := stutter(msg) != ""; got != want {
			t.Errorf("stutter(%q) = %v, want %v", msg, got, want)
		}
	}
}
