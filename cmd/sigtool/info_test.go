package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInfoFits100Columns: a feed with every signature type (ClamAV's
// test-6.cvd has fourteen) and a large one keep `sigtool info` within 100
// columns; BY TYPE wraps and still lists every type with signatures.
func TestInfoFits100Columns(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "s.db")
	big := filepath.Join(dir, "a-long-local-feed-name.hdb")
	var b strings.Builder
	for i := range 120000 {
		fmt.Fprintf(&b, "%032x:68:Local.Test.Sig%d\n", i, i)
	}
	os.WriteFile(big, []byte(b.String()), 0o644)
	if code, _, errOut := run(t, "--db", db, "import", filepath.Join(feedsDir, "test-6.cvd"), big); code != 0 {
		t.Fatalf("import: exit %d: %s", code, errOut)
	}
	code, out, errOut := run(t, "--db", db, "info")
	if code != 0 {
		t.Fatalf("info: exit %d: %s", code, errOut)
	}
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if len(l) > 100 {
			t.Errorf("%d columns: %q", len(l), l)
		}
	}
	for _, want := range []string{"a-long-local-feed-name.hdb", "120000", "hdb 2,", "ndb 3", "sfp 1"} {
		if !strings.Contains(out, want) {
			t.Errorf("info does not say %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, " 0,") || strings.Contains(out, "ldu 0") {
		t.Errorf("info lists types without signatures:\n%s", out)
	}
}
