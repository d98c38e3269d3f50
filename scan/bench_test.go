package scan

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"math/rand"
	"testing"
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
