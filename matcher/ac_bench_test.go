package matcher

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/cloudflare/ahocorasick"
	"github.com/sigtool/sigtool/sigfile"
)

// BenchmarkAhoCorasick backs doc.go's "why not Aho-Corasick": the same
// random 16-byte patterns in cloudflare/ahocorasick and in this matcher,
// with build time, the heap each keeps, and scan speed on clean data. The
// 10k Aho-Corasick case needs ~650 MB and is skipped with -short.
func BenchmarkAhoCorasick(b *testing.B) {
	data := benchData(16 << 20)
	for _, n := range []int{1_000, 10_000} {
		r := rand.New(rand.NewPCG(uint64(n), 99))
		pats := make([][]byte, n)
		for i := range pats {
			pats[i] = make([]byte, 16)
			for j := range pats[i] {
				pats[i][j] = byte(r.Uint32())
			}
		}
		name := fmt.Sprintf("%dk", n/1000)
		b.Run("ac/"+name, func(b *testing.B) {
			if n > 1_000 && testing.Short() {
				b.Skip("needs ~650 MB")
			}
			base := heapMB()
			start := time.Now()
			ac := ahocorasick.NewMatcher(pats)
			build := time.Since(start).Seconds()
			heap := heapMB() - base
			b.SetBytes(int64(len(data)))
			b.ResetTimer()
			for range b.N {
				if got := ac.Match(data); len(got) != 0 {
					b.Fatalf("clean data matched %v", got)
				}
			}
			b.ReportMetric(build, "build-s")
			b.ReportMetric(heap, "heap-MB")
			runtime.KeepAlive(ac)
		})
		b.Run("matcher/"+name, func(b *testing.B) {
			base := heapMB()
			start := time.Now()
			bl := NewBuilder()
			for i, p := range pats {
				part := make([]sigfile.Elem, len(p))
				for j, c := range p {
					part[j] = sigfile.Elem{Kind: sigfile.ElemByte, Byte: sigfile.ByteMatch{Value: c, Mask: 0xff}}
				}
				s := &sigfile.BodySig{Name: fmt.Sprintf("P%d", i), Offset: sigfile.Offset{MaxShift: sigfile.NoShift},
					Pattern: sigfile.Pattern{Parts: [][]sigfile.Elem{part}}}
				if err := bl.Add(sigfile.Entry{Kind: sigfile.KindNDB, Body: s}); err != nil {
					b.Fatal(err)
				}
			}
			m, err := bl.Build(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			build := time.Since(start).Seconds()
			heap := heapMB() - base
			b.SetBytes(int64(len(data)))
			b.ResetTimer()
			for range b.N {
				got, err := m.Detect(context.Background(), bytes.NewReader(data), int64(len(data)))
				if err != nil || len(got) != 0 {
					b.Fatalf("clean data: %v %v", got, err)
				}
			}
			b.ReportMetric(build, "build-s")
			b.ReportMetric(heap, "heap-MB")
			runtime.KeepAlive(m)
		})
	}
}
