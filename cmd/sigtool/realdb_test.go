package main

import (
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigtool/sigtool/engine"
	"github.com/sigtool/sigtool/matcher"
	"github.com/sigtool/sigtool/sigdb"
)

const realDir = "../../../shared/corpus/clamav-real"

// justified are the classes of loaded signatures left unevaluated that
// ClamAV itself never matches with these files, and why.
var justified = map[matcher.Reason]string{
	matcher.ReasonIcon: "main.ldb's IconGroup signatures compare icons with an icon database; " +
		"these files hold none (main.cvd's main.idb is not among them), and ClamAV " +
		"without one never matches them (matchicon returns clean)",
}

// TestImportRealDatabases imports every file of ClamAV's published
// databases as an operator would (sigtool import, no --skip-invalid): no
// line is refused, the store compiles with every line loaded, and every
// signature is evaluated but for the justified classes.
func TestImportRealDatabases(t *testing.T) {
	ents, err := os.ReadDir(realDir)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("no real databases (CI runs with ../shared beside the repo): %v", err)
		}
		t.Skipf("no real databases: %v", err)
	}
	dir := t.TempDir()
	var files []string
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".gz")
		if !ok {
			continue
		}
		p := filepath.Join(dir, name)
		gunzip(t, filepath.Join(realDir, e.Name()), p)
		files = append(files, p)
	}
	if len(files) < 6 {
		t.Fatalf("only %d database files in %s", len(files), realDir)
	}
	db := filepath.Join(dir, "s.db")
	code, _, errOut := run(t, append([]string{"--db", db, "import"}, files...)...)
	if code != 0 {
		t.Fatalf("import: exit %d, refused:\n%s", code, errOut)
	}
	store, err := sigdb.Open(db, &sigdb.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	snap, err := engine.Compile(context.Background(), store)
	if err != nil {
		t.Fatal(err)
	}
	for reason, n := range snap.Unloaded {
		t.Errorf("%d lines not loaded: %s (%v)", n, reason, snap.Problems)
	}
	st := snap.Matcher.Stats()
	for reason, n := range st.NotEvaluated {
		if why, ok := justified[reason]; ok {
			t.Logf("%d not evaluated, as in ClamAV: %s: %s", n, reason, why)
			continue
		}
		t.Errorf("%d signatures not evaluated: %s", n, reason)
	}
	if st.LogicalSigs < 38000 || st.BodySigs < 250 || st.HashSigs < 228000 || st.AllowHashes < 990 {
		t.Errorf("loaded %+v", st)
	}
	t.Logf("evaluated: %d logical, %d body, %d hash, %d allow-list signatures", st.LogicalSigs, st.BodySigs, st.HashSigs, st.AllowHashes)
}

func gunzip(t *testing.T, src, dst string) {
	t.Helper()
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, zr); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
