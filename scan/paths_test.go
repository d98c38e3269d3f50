package scan

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestScanPathsOrder: verdicts come back in path order whatever the number
// of workers, directories are walked, and an unreadable path is a verdict
// with an error, not a silent skip.
func TestScanPathsOrder(t *testing.T) {
	dir := t.TempDir()
	var want []string
	for i := range 20 {
		p := filepath.Join(dir, fmt.Sprintf("f%02d", i))
		data := "clean"
		if i%3 == 0 {
			data = "x " + marker
		}
		os.WriteFile(p, []byte(data), 0o644)
		want = append(want, p)
	}
	missing := filepath.Join(dir, "missing")
	for _, jobs := range []int{1, 4} {
		e := New(&fakeDetector{}, DefaultOptions())
		var got []PathResult
		e.ScanPaths(context.Background(), []string{missing, dir}, jobs, func(r PathResult) { got = append(got, r) })
		if len(got) != len(want)+1 {
			t.Fatalf("jobs %d: %d verdicts, want %d", jobs, len(got), len(want)+1)
		}
		if got[0].Path != missing || got[0].Err == nil {
			t.Errorf("jobs %d: missing path verdict %+v", jobs, got[0])
		}
		for i, r := range got[1:] {
			if r.Path != want[i] {
				t.Fatalf("jobs %d: verdict %d is %s, want %s", jobs, i, r.Path, want[i])
			}
			if infected := r.Result.Infected(); infected != (i%3 == 0) {
				t.Errorf("jobs %d: %s infected = %v", jobs, r.Path, infected)
			}
		}
	}
}
