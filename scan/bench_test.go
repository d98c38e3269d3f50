package scan

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/sigtool/sigtool/filetype"
	"github.com/sigtool/sigtool/internal/realfiles"

	"github.com/sigtool/sigtool/matcher"
)

// BenchmarkScanZip50MiB scans a zip holding 50 MiB in 50 members of
// mildly compressible data with the fake detector.
func BenchmarkScanZip50MiB(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	member := make([]byte, 1<<20)
	for i := 0; i < 50; i++ {
		for j := range member {
			member[j] = byte('a' + rng.Intn(16))
		}
		w, _ := zw.Create(fmt.Sprintf("m%02d.bin", i))
		w.Write(member)
	}
	zw.Close()
	data := buf.Bytes()
	e := New(&fakeDetector{}, DefaultOptions())
	b.SetBytes(50 << 20)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := e.Scan(context.Background(), "big.zip", bytes.NewReader(data), int64(len(data)))
		if err != nil || len(res.Members) != 50 || res.Problem() != nil {
			b.Fatalf("err %v, %d members, problem %v", err, len(res.Members), res.Problem())
		}
	}
}

// BenchmarkScanFile scans a 64 MiB file of random bytes on disk (in the
// page cache after the first run) with a matcher of 100,000 generated
// body signatures: through its mapping, as ScanFile does, and copied
// through ReadAt, as before mapping.
func BenchmarkScanFile(b *testing.B) {
	m := sigMatcher(b, matcher.GenerateBodySigs(100_000, 1)...)
	data := make([]byte, 64<<20)
	rand.New(rand.NewSource(2)).Read(data)
	path := filepath.Join(b.TempDir(), "random.bin")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
	e := New(m, DefaultOptions())
	// The first scan touches the matcher's tables for the first time
	// (page faults); `make bench` runs each case once, so warm up first.
	if _, err := e.ScanFile(context.Background(), path); err != nil {
		b.Fatal(err)
	}
	b.Run("mapped", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for range b.N {
			if res, err := e.ScanFile(context.Background(), path); err != nil || len(res.Signatures) != 0 {
				b.Fatalf("clean file: %v %v", res.Signatures, err)
			}
		}
	})
	b.Run("readat", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for range b.N {
			f, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			res, err := e.Scan(context.Background(), path, f, int64(len(data)))
			f.Close()
			if err != nil || len(res.Signatures) != 0 {
				b.Fatalf("clean file: %v %v", res.Signatures, err)
			}
		}
	})
}

// BenchmarkScanDocuments scans the real documents of the real-data
// benchmark (internal/realfiles) with a detector that matches nothing and
// reads nothing: the pipeline's own cost (typing, unzipping, PDF filters,
// text normalisation, bookkeeping) without the matcher's.
func BenchmarkScanDocuments(b *testing.B) {
	docs := realfiles.Documents()
	if len(docs.Files) == 0 {
		b.Skip(docs.Missing)
	}
	opts := DefaultOptions()
	opts.Expand = ExpandMail // as sigtool scan
	e := New(nothing{}, opts)
	b.SetBytes(docs.Bytes)
	b.ReportAllocs()
	for range b.N {
		for _, f := range docs.Files {
			if _, err := e.ScanFile(context.Background(), f); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// nothing is a Detector that finds nothing without reading.
type nothing struct{}

func (nothing) Match(context.Context, io.ReaderAt, int64, filetype.Info) (matcher.Result, error) {
	return matcher.Result{}, nil
}
