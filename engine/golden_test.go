package engine

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sigtool/sigtool/sigdb"
)

var update = flag.Bool("update", false, "rewrite golden files")

const clamavChain = "../../shared/corpus/feeds/clamav"

// TestGoldenClamAVChain compiles each version of ClamAV's test database
// chain, plus its clamav.hdb, and compares what each snapshot holds with
// testdata/clamav-chain.golden.
func TestGoldenClamAVChain(t *testing.T) {
	if _, err := os.Stat(clamavChain); err != nil {
		t.Skipf("shared corpus not available: %v", err)
	}
	ctx := context.Background()
	db := openStore(t)
	var out strings.Builder
	for v := 1; v <= 6; v++ {
		paths := []string{filepath.Join(clamavChain, fmt.Sprintf("test-%d.cvd", v)), filepath.Join(clamavChain, "clamav.hdb")}
		feeds, _, err := sigdb.LoadSources(paths, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Import(ctx, feeds, sigdb.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		s, err := Compile(ctx, db)
		if err != nil {
			t.Fatalf("test-%d: %v", v, err)
		}
		fmt.Fprintf(&out, "test-%d.cvd:\n  versions:", v)
		for _, f := range slices.Sorted(maps.Keys(s.Versions)) {
			fmt.Fprintf(&out, " %s=%d", f, s.Versions[f])
		}
		st := s.Stats()
		fmt.Fprintf(&out, "\n  lines=%d hash=%d section=%d allow=%d body=%d logical=%d ignore=%d ignored=%d patterns=%d\n",
			s.Lines, st.HashSigs, st.SectionHashSigs, st.AllowHashes, st.BodySigs, st.LogicalSigs, st.IgnoreEntries, st.Ignored, st.Patterns)
		for _, r := range slices.Sorted(maps.Keys(st.NotEvaluated)) {
			fmt.Fprintf(&out, "  not evaluated: %s: %d\n", r, st.NotEvaluated[r])
		}
		for _, r := range slices.Sorted(maps.Keys(s.Unloaded)) {
			fmt.Fprintf(&out, "  unloaded: %s: %d\n", r, s.Unloaded[r])
		}
		for _, p := range s.Problems {
			fmt.Fprintf(&out, "  problem: %s\n", p)
		}
	}
	golden := filepath.Join("testdata", "clamav-chain.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if out.String() != string(want) {
		t.Errorf("snapshot summary differs from %s:\n--- got\n%s--- want\n%s", golden, out.String(), want)
	}
}
