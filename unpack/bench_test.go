package unpack

import (
	"bytes"
	"context"
	"fmt"
	"math/rand"
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
