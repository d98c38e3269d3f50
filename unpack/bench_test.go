package unpack

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkWalkZip walks a zip of 64 members of 128 KiB of mildly
// compressible data, reading every member.
func BenchmarkWalkZip(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	var files []testFile
	for i := 0; i < 64; i++ {
		p := make([]byte, 128<<10)
		for j := range p {
			p[j] = byte('a' + rng.Intn(8))
		}
		files = append(files, testFile{fmt.Sprintf("m%02d", i), string(p)})
	}
	data := buildZip(b, files)
	b.SetBytes(64 * 128 << 10)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Walk(context.Background(), Zip, bytes.NewReader(data), int64(len(data)), DefaultLimits(),
			func(Member) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkIdentify(b *testing.B) {
	head := buildTar(b, []testFile{{"a", "x"}})
	for i := 0; i < b.N; i++ {
		Identify(head)
	}
}

// BenchmarkNormalizeHTML writes both HTML views of real pages: the HTML
// files under /usr/share/doc (Debian's documentation, up to 100 of them).
func BenchmarkNormalizeHTML(b *testing.B) {
	var pages [][]byte
	var n int64
	filepath.WalkDir("/usr/share/doc", func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && strings.HasSuffix(p, ".html") && len(pages) < 100 {
			if data, err := os.ReadFile(p); err == nil {
				pages = append(pages, data)
				n += int64(len(data))
			}
		}
		return nil
	})
	if len(pages) == 0 {
		b.Skip("no HTML files under /usr/share/doc")
	}
	b.SetBytes(n)
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range pages {
			normalizeHTML(bytes.NewReader(p), int64(len(p)), DefaultLimits())
		}
	}
}
