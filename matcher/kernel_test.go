package matcher

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// randomFilter returns a filter of 2^bits words with about density of its
// bits set, and its shift.
func randomFilter(r *rand.Rand, bits int, density float64) ([]uint32, uint32) {
	f := make([]uint32, 1<<bits)
	for i := range f {
		for b := range 32 {
			if r.Float64() < density {
				f[i] |= 1 << b
			}
		}
	}
	return f, uint32(32 - bits)
}

// passing lists the positions i, i+S, ... below end-3 whose gram passes the
// filter, as a tier's probe finds them: kernel blocks, then one by one.
func passing(k kernel, buf []byte, i, end int, f []uint32, shift, gmask uint32, stride int) []int {
	var out []int
	// A small buffer, so that the kernels stop for a full one too.
	pos := make([]int32, kernelLanes+3)
	for i+kernelReach(stride) <= end {
		var n int
		i, n = k.probe(buf, i, end, f, shift, gmask, stride, pos)
		for _, p := range pos[:n] {
			out = append(out, int(p))
		}
	}
	for ; i+4 <= end; i += stride {
		g := binary.LittleEndian.Uint32(buf[i:]) & gmask
		if m := bloomBits(g); f[g*gramMul>>shift]&m == m {
			out = append(out, i)
		}
	}
	return out
}

// TestKernelsAgree checks each vector kernel against probeGeneric on
// random filters and data, at every start and end alignment and stride.
func TestKernelsAgree(t *testing.T) {
	ks := kernels()
	if len(ks) == 1 {
		t.Skip("only the Go kernel on this CPU or build")
	}
	r := rand.New(rand.NewPCG(5, 6))
	for _, tc := range []struct {
		bits    int
		density float64
	}{{4, 0.5}, {10, 0.3}, {16, 0.6}, {20, 0.1}, {4, 1}, {8, 0}} {
		f, shift := randomFilter(r, tc.bits, tc.density)
		for _, gmask := range []uint32{0xffffffff, 0xffffff} {
			for stride := 1; stride <= 4; stride++ {
				for _, n := range []int{0, 1, 31, 32, 33, 63, 64, 65, 100, 1000, 4099} {
					buf := make([]byte, n)
					for i := range buf {
						buf[i] = byte(r.Uint32())
					}
					for i := 0; i <= min(n, 40); i++ {
						for _, end := range []int{n, n - 1, n - 5} {
							if end < i {
								continue
							}
							want := passing(genericKernel, buf, i, end, f, shift, gmask, stride)
							for _, k := range ks[1:] {
								if got := passing(k, buf[:end], i, end, f, shift, gmask, stride); !slices.Equal(got, want) {
									t.Fatalf("%s: bits %d density %v mask %x stride %d len %d from %d end %d:\ngot  %v\nwant %v",
										k.name, tc.bits, tc.density, gmask, stride, n, i, end, got, want)
								}
							}
						}
					}
				}
			}
		}
	}
}

// TestMatcherKernels runs the matcher's main tests again on every other
// kernel this CPU has (the rest of the tests use the widest).
func TestMatcherKernels(t *testing.T) {
	best := active
	defer func() { active = best }()
	for _, k := range kernels() {
		if k.name == best.name {
			continue
		}
		active = k
		t.Run(k.name, func(t *testing.T) {
			t.Run("Constructs", TestConstructs)
			t.Run("Differential", TestDifferential)
			t.Run("Generated", TestGenerated)
			t.Run("LargeGaps", TestLargeGaps)
		})
	}
}

// BenchmarkKernel measures each kernel alone on random data against
// random filters of the sizes tiers have (32 KB: a few thousand patterns;
// 8 MB: the main tier at 300k), at strides 4 and 1.
func BenchmarkKernel(b *testing.B) {
	data := benchData(16 << 20)
	r := rand.New(rand.NewPCG(7, 8))
	for _, kb := range []int{32, 1024, 8192} {
		bits := 0
		for 4<<bits < kb<<10 {
			bits++
		}
		f, shift := randomFilter(r, bits, 0.1)
		for _, stride := range []int{4, 1} {
			for _, k := range kernels() {
				b.Run(fmt.Sprintf("filter=%dKB/stride=%d/%s", kb, stride, k.name), func(b *testing.B) {
					b.SetBytes(int64(len(data)))
					n := 0
					for range b.N {
						n += len(passing(k, data, 0, len(data), f, shift, 0xffffffff, stride))
					}
					b.ReportMetric(float64(n)/float64(b.N)/float64(len(data)>>20), "passing/MB")
				})
			}
		}
	}
}
