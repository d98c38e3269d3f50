package engine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"testing"

	"github.com/sigtool/sigtool/scan"
	"github.com/sigtool/sigtool/sigdb"
	"github.com/sigtool/sigtool/unpack"
)

// onlyReaderAt hides unpack.Bytes' Bytes method, as a temporary file would.
type onlyReaderAt struct{ r io.ReaderAt }

func (o onlyReaderAt) ReadAt(p []byte, off int64) (int, error) { return o.r.ReadAt(p, off) }

// scanContent scans data, read through r, as INSTREAM does.
func scanContent(s *Snapshot, data []byte, r io.ReaderAt) (*scan.Result, bool, error) {
	return s.ScanCached("stream", r, int64(len(data)), func() (*scan.Result, error) {
		return s.Scan.Scan(context.Background(), "stream", r, int64(len(data)))
	})
}

func TestScanCached(t *testing.T) {
	ctx := context.Background()
	db := openStore(t)
	put(t, db, "local", 1, sigdb.ImportOptions{}, "local.ndb", ndbLine("Sigtool.Test.Marker", marker(1)))
	cleanData := bytes.Repeat([]byte("an ordinary clean line\n"), 50)
	infected := []byte("head " + marker(1) + " tail")
	big := bytes.Repeat([]byte("x"), 2000) // over the max_filesize below

	small := scan.DefaultOptions()
	small.Limits.MaxFileSize = 1000
	tests := []struct {
		name   string
		opt    Options
		data   []byte
		status scan.Status
		cached bool // the second scan of data comes from the cache
	}{
		{"clean", Options{}, cleanData, scan.Clean, true},
		{"clean, file-backed", Options{}, cleanData, scan.Clean, true},
		{"infected", Options{}, infected, scan.Infected, false},
		{"over a limit", Options{Scan: &small}, big, scan.Failed, false},
		{"cache disabled", Options{CleanCache: -1}, cleanData, scan.Clean, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := CompileWith(ctx, db, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			var r io.ReaderAt = unpack.Bytes(tc.data)
			if tc.name == "clean, file-backed" {
				r = onlyReaderAt{r}
			}
			for i, wantCached := range []bool{false, tc.cached} {
				res, cached, err := scanContent(s, tc.data, r)
				if err != nil && tc.status != scan.Failed {
					t.Fatalf("scan %d: %v", i+1, err)
				}
				if res.Status() != tc.status || cached != wantCached {
					t.Errorf("scan %d: %v, cached %v; want %v, cached %v", i+1, res.Status(), cached, tc.status, wantCached)
				}
				if res.Path != "stream" || res.Size != int64(len(tc.data)) && tc.status != scan.Failed {
					t.Errorf("scan %d: path %q size %d", i+1, res.Path, res.Size)
				}
			}
			// Other content is not taken for the cached one.
			other := append(bytes.Clone(tc.data[:len(tc.data)-1]), '!')
			if _, cached, _ := scanContent(s, other, unpack.Bytes(other)); cached {
				t.Error("content one byte apart came from the cache")
			}
		})
	}

	// A new snapshot (a reload) starts with an empty cache: its
	// signatures may find what the old ones passed.
	s1, err := CompileWith(ctx, db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	later := []byte("clean until " + marker(2))
	if res, _, _ := scanContent(s1, later, unpack.Bytes(later)); res.Status() != scan.Clean {
		t.Fatalf("before the update: %v", res.Status())
	}
	put(t, db, "local", 2, sigdb.ImportOptions{}, "local.ndb", ndbLine("Sigtool.Test.Marker", marker(1))+ndbLine("Sigtool.Test.Later", marker(2)))
	s2, err := CompileWith(ctx, db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res, cached, _ := scanContent(s2, later, unpack.Bytes(later)); res.Status() != scan.Infected || cached {
		t.Errorf("after the update: %v, cached %v; want infected, scanned", res.Status(), cached)
	}
}

func TestCleanCacheBound(t *testing.T) {
	key := func(i int) [sha256.Size]byte { return sha256.Sum256([]byte(fmt.Sprint(i))) }
	c := newCleanCache(8)
	for i := range 100 {
		c.add(key(i))
		// Key 0 is used all along: it must survive however much else
		// comes and goes.
		if !c.seen(key(0)) {
			t.Fatalf("after %d adds the key in use was evicted", i+1)
		}
		if n := len(c.cur) + len(c.old); n > 8 {
			t.Fatalf("after %d adds %d entries, over the capacity 8", i+1, n)
		}
	}
	if c.seen(key(1)) {
		t.Error("key 1, unused for 98 adds, is still held")
	}
	for i := 96; i < 100; i++ {
		if !c.seen(key(i)) {
			t.Errorf("key %d, among the last added, was evicted", i)
		}
	}
	if newCleanCache(0) != nil || newCleanCache(-1) != nil {
		t.Error("a cache of no entries is not nil")
	}
}
