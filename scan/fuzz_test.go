package scan

import (
	"bytes"
	"context"
	"testing"

	"github.com/sigtool/sigtool/unpack"
)

// FuzzScan feeds arbitrary bytes to the engine: it must not panic, must
// stay within its limits, and every path must start with the top name.
func FuzzScan(f *testing.F) {
	f.Add(zipOf(f, f2("a", marker), f2("in.zip", string(zipOf(f, f2("b", "x"))))))
	f.Add(gzipOf(f, "t.tar", tarOf(f, f2("m", marker))))
	f.Add([]byte("plain " + marker))
	opts := DefaultOptions()
	opts.Limits = unpack.Limits{MaxFileSize: 1 << 20, MaxScanSize: 4 << 20, MaxFiles: 50, MaxRecursion: 5, MaxRatio: 250, RatioFloor: 64 << 10}
	e := New(&fakeDetector{}, opts)
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := e.Scan(context.Background(), "top", bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatalf("Scan: %v", err)
		}
		n := 0
		for r := range res.All() {
			n++
			if r.Path != "top" && !bytes.HasPrefix([]byte(r.Path), []byte("top!")) {
				t.Fatalf("path %q", r.Path)
			}
			if r.Size > opts.Limits.MaxFileSize {
				t.Fatalf("%s: %d bytes scanned past MaxFileSize", r.Path, r.Size)
			}
		}
		if n > opts.Limits.MaxFiles+1 {
			t.Fatalf("%d results past MaxFiles", n)
		}
		if res.Infected() != (len(res.Findings()) > 0) {
			t.Fatal("Infected and Findings disagree")
		}
	})
}

func f2(name, data string) file { return file{name, []byte(data)} }
