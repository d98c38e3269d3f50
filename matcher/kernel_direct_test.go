package matcher

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/sigtool/sigtool/sigfile"
)

// passingDirect lists the positions from i while a 4-gram fits in
// buf[:end] whose 3-gram passes bm, as probeDirect finds them.
func passingDirect(k kernel, buf []byte, i, end int, bm []uint32) []int {
	var out []int
	pos := make([]int32, 3*directLanes) // small: the kernel must stop when it is full
	for i+directReach <= end {
		var n int
		i, n = k.direct(buf, i, end, bm, pos)
		for _, p := range pos[:n] {
			out = append(out, int(p))
		}
	}
	for ; i+4 <= end; i++ {
		if directHas(bm, binary.LittleEndian.Uint32(buf[i:])&0xffffff) {
			out = append(out, i)
		}
	}
	return out
}

// TestDirectKernels checks the direct kernels against a plain loop over
// every position, on random bitmaps and data, at every start and end.
func TestDirectKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, density := range []float64{0, 0.001, 0.05, 0.5, 1} {
		bm := make([]uint32, 1<<(directBits-5))
		for i := range bm {
			for b := range 32 {
				if r.Float64() < density {
					bm[i] |= 1 << b
				}
			}
		}
		for _, n := range []int{0, 3, 4, 18, 19, 20, 35, 36, 100, 1000, 4099} {
			buf := make([]byte, n)
			for i := range buf {
				buf[i] = byte(r.Uint32())
				if r.IntN(8) == 0 { // bytes that the mask must drop
					buf[i] = 0xff
				}
			}
			for i := 0; i <= min(n, 40); i++ {
				for _, end := range []int{n, n - 1, n - 5} {
					if end < i {
						continue
					}
					var want []int
					for p := i; p+4 <= end; p++ {
						g := uint32(buf[p]) | uint32(buf[p+1])<<8 | uint32(buf[p+2])<<16
						if g &= directMask; bm[g/32]&(1<<(g%32)) != 0 {
							want = append(want, p)
						}
					}
					for _, k := range kernels() {
						if got := passingDirect(k, buf[:end], i, end, bm); !slices.Equal(got, want) {
							t.Fatalf("%s: density %v len %d from %d end %d:\ngot  %v\nwant %v", k.name, density, n, i, end, got, want)
						}
					}
				}
			}
		}
	}
}

// TestMatcherBloom runs the matcher's main tests with 3-gram tiers on the
// Bloom kernel instead of the direct one.
func TestMatcherBloom(t *testing.T) {
	useDirect = false
	defer func() { useDirect = true }()
	t.Run("Constructs", TestConstructs)
	t.Run("Differential", TestDifferential)
	t.Run("Generated", TestGenerated)
	t.Run("LargeGaps", TestLargeGaps)
}

// BenchmarkDirect compares the direct and the Bloom kernel in the same
// run, on the 3-gram tier of 300k generated signatures alone and on the
// whole scan of 64 MiB of random data.
func BenchmarkDirect(b *testing.B) {
	m, _ := benchBuild(b, 300_000, 0)
	data := benchData(64 << 20)
	runtime.GC()
	for _, direct := range []bool{false, true} {
		name := map[bool]string{false: "bloom", true: "direct"}[direct]
		for _, t := range m.tiers {
			if t.direct == nil {
				continue
			}
			b.Run("tier/"+name, func(b *testing.B) {
				useDirect = direct
				defer func() { useDirect = true }()
				benchTier(b, t, data)
			})
		}
		b.Run("scan/"+name, func(b *testing.B) {
			useDirect = direct
			defer func() { useDirect = true }()
			b.SetBytes(int64(len(data)))
			for range b.N {
				got, err := m.Detect(context.Background(), bytes.NewReader(data), int64(len(data)))
				if err != nil || len(got) != 0 {
					b.Fatalf("clean data: %v %v", got, err)
				}
			}
		})
	}
}

// BenchmarkDirectAB alternates the variants in every iteration (the
// machine is shared: drift hits each alike) and reports the mean and the
// minimum ms per scan of each: windows from the gram (back0) or from up
// to 3 bytes before it, with the Bloom or the direct kernel.
func BenchmarkDirectAB(b *testing.B) {
	maxBack = 0
	m0, _ := benchBuild(b, 300_000, 0)
	maxBack = 3
	m, _ := benchBuild(b, 300_000, 0)
	data := benchData(64 << 20)
	runtime.GC()
	modes := []struct {
		name string
		m    *Matcher
		set  func()
	}{
		{"bloom,back0", m0, func() { useDirect = false }},
		{"bloom", m, func() { useDirect = false }},
		{"direct", m, func() {}},
	}
	sum := make([]time.Duration, len(modes))
	best := make([]time.Duration, len(modes))
	b.ResetTimer()
	for range b.N {
		for k, md := range modes {
			md.set()
			t0 := time.Now()
			got, err := md.m.Detect(context.Background(), bytes.NewReader(data), int64(len(data)))
			d := time.Since(t0)
			if err != nil || len(got) != 0 {
				b.Fatalf("%s: clean data: %v %v", md.name, got, err)
			}
			sum[k] += d
			if best[k] == 0 || d < best[k] {
				best[k] = d
			}
			useDirect = true
		}
	}
	for k, md := range modes {
		b.ReportMetric(float64(sum[k].Milliseconds())/float64(b.N), md.name+"-ms")
		b.ReportMetric(float64(best[k].Milliseconds()), md.name+"-min-ms")
	}
}

// TestBatchOverflow fills lookup batches (every probe passes) and their
// match lists (two patterns share every gram), in both tiers: a count of
// matches only holds if no position is lost between batches.
func TestBatchOverflow(t *testing.T) {
	for _, tc := range []struct {
		hex  string // one pattern, repeated to fill the data
		tier int    // the tier the test means to reach
	}{
		{"0102030405060708", 0},
		{"414243??444546", 1},
	} {
		rep := make([]byte, len(tc.hex)/2)
		for k := range rep {
			var v byte
			fmt.Sscanf(tc.hex[2*k:2*k+2], "%02x", &v)
			rep[k] = v // "??" scans as 0
		}
		n := 3000
		data := bytes.Repeat(rep, n)
		for _, chunk := range []int{7, 4096, defaultChunk} {
			m := buildWith(t, chunk,
				entry(t, sigfile.KindNDB, "A:0:*:"+tc.hex),
				entry(t, sigfile.KindNDB, "B:0:*:"+tc.hex),
				entry(t, sigfile.KindLDB, fmt.Sprintf("C;Target:0;0>%d;%s", n-1, tc.hex)),
				entry(t, sigfile.KindLDB, fmt.Sprintf("D;Target:0;0>%d;%s", n, tc.hex)),
			)
			if p := m.segs[0].pats[0]; p.mode != modeAnchored || int(p.tier) != tc.tier {
				t.Fatalf("%s: pattern in mode %d tier %d, want tier %d", tc.hex, p.mode, p.tier, tc.tier)
			}
			if got := detect(t, m, data); !sameNames(got, []string{"A", "B", "C"}) {
				t.Errorf("%s chunk %d: got %v, want A B C", tc.hex, chunk, got)
			}
		}
	}
}
