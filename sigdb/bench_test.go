package sigdb

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// genHashFile writes n .hsb lines (SHA-256:size:name) into a buffer.
func genHashFile(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	var b bytes.Buffer
	b.Grow(n * 100)
	for i := 0; i < n; i++ {
		sum := sha256.Sum256([]byte(fmt.Sprint(i, seed)))
		fmt.Fprintf(&b, "%x:%d:Gen.Hash-%d\n", sum, 100+r.IntN(10_000_000), i)
	}
	return b.Bytes()
}

// genBodyFile writes n .ndb lines: mostly plain hex, some with wildcards,
// gaps and alternations, like a real daily.ndb mix.
func genBodyFile(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 2))
	var b bytes.Buffer
	b.Grow(n * 80)
	hexRun := func(k int) string {
		buf := make([]byte, k)
		for i := range buf {
			buf[i] = byte(r.Uint32())
		}
		return fmt.Sprintf("%x", buf)
	}
	for i := 0; i < n; i++ {
		var pat string
		switch i % 5 {
		case 0, 1, 2:
			pat = hexRun(12 + r.IntN(29))
		case 3:
			pat = hexRun(8) + "??" + hexRun(6) + "{4-16}" + hexRun(8)
		case 4:
			pat = hexRun(6) + "(aa|bb|cc)" + hexRun(6) + "*" + hexRun(10)
		}
		fmt.Fprintf(&b, "Gen.Body-%d:0:*:%s\n", i, pat)
	}
	return b.Bytes()
}

// BenchmarkImport imports 4,000,000 hash and 300,000 body signatures in one
// transaction. Goals (issue: the signature store): >= 300,000 signatures/s,
// store file <= 2x the source text.
func BenchmarkImport(b *testing.B) {
	hashes, bodies := 4_000_000, 300_000
	if testing.Short() {
		hashes, bodies = 200_000, 20_000
	}
	files := []File{
		{Name: "gen.hsb", Data: genHashFile(hashes, 1)},
		{Name: "gen.ndb", Data: genBodyFile(bodies, 2)},
	}
	src := len(files[0].Data) + len(files[1].Data)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		p := filepath.Join(b.TempDir(), "bench.db")
		db, err := Open(p, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		_, err = db.ReplaceFeed(context.Background(), FeedMeta{Name: "gen", Format: "files"}, files, ImportOptions{})
		elapsed := time.Since(start)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		db.Close()
		st, _ := os.Stat(p)
		b.ReportMetric(float64(hashes+bodies)/elapsed.Seconds(), "sigs/s")
		b.ReportMetric(float64(st.Size())/float64(src), "store/source")
		b.ReportMetric(float64(src)/1e6, "sourceMB")
	}
}
