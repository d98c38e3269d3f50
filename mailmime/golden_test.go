package mailmime

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the .golden files in testdata/")

// TestGolden parses each testdata/*.eml, checks the byte tiling and
// compares a dump of the tree (types, names, flags, decoded SHA-256) with
// the .golden file beside it.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.eml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			msg, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			root, perr := Parse(msg)
			checkTiling(t, f, msg, root)
			got := fmt.Sprintf("parse error: %v\n%s", perr, dumpTree(root))
			golden := strings.TrimSuffix(f, ".eml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if got != string(want) {
				t.Errorf("tree differs from %s:\n--- got\n%s--- want\n%s", golden, got, want)
			}
		})
	}
}
