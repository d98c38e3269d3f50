package matcher

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

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
