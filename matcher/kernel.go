package matcher

import "encoding/binary"

// The probe kernel: the inner loop of every filter tier. It tests eight
// grams at a time, at positions i, i+S, ..., i+7S for the tier's stride S,
// against a blocked Bloom filter of 32-bit words: the word is chosen by the
// top bits of gram*gramMul, three bits in it by a second product.
//
// On amd64 the kernel is 16-byte loads, a byte shuffle that lines the
// grams up, two multiplies and a gather per 8 (AVX2) or 16 (AVX-512)
// probes (kernel_amd64.s). BenchmarkKernel: see doc.go; the Go loop's cost
// is the filter's arithmetic, not its cache misses, which is what the
// vector code removes. probeGeneric is the reference the assembly is
// tested against and the fallback on other CPUs.

const (
	gramMul = 0x9E3779B1 // odd: gram -> key is a bijection on uint32
	bitsMul = 0x85EBCA6B // the bits inside the word
)

// kernel is one implementation of the probe loop, and of the direct
// 3-gram loop (kernel_direct.go).
type kernel struct {
	name   string
	probe  func(buf []byte, i, end int, bloom []uint32, shift, gmask uint32, stride int, out []int32) (int, int)
	direct func(buf []byte, i, end int, bm []uint32, out []int32) (int, int)
}

// kernelLanes is the grams per block: a block starts every
// kernelLanes*stride bytes.
const kernelLanes = 8

var genericKernel = kernel{"go", probeGeneric, directGeneric}

// active is the kernel the tiers use: the widest the CPU has (bestKernel
// in kernel_amd64.go); tests switch it to run the matcher on each.
var active = bestKernel()

// kernelReach is how far past a block's start the kernel reads: each half
// of the block's grams comes from one 16-byte load.
func kernelReach(stride int) int { return 4*stride + 16 }

// bloomBits returns the three bits of gram g inside its word.
func bloomBits(g uint32) uint32 {
	h := g * bitsMul
	return 1<<(h>>27) | 1<<(h>>22&31) | 1<<(h>>17&31)
}

// probeGeneric checks the blocks of eight grams at i, i+8S, ... while a
// block's reach fits in buf[:end], appending every passing position to
// out, until fewer than kernelLanes slots of out are left. It returns the
// next block's start and the number of positions appended. Grams are
// masked with gmask (0xffffff for 3-grams). The kernels appended rather
// than returned at the first block with a passing gram: on real code ~12%
// of the main tier's probes pass, and most blocks had one.
func probeGeneric(buf []byte, i, end int, bloom []uint32, shift, gmask uint32, stride int, out []int32) (int, int) {
	n := 0
	for ; i+kernelReach(stride) <= end && n+kernelLanes <= len(out); i += kernelLanes * stride {
		for j := range kernelLanes {
			g := binary.LittleEndian.Uint32(buf[i+j*stride:]) & gmask
			m := bloomBits(g)
			if bloom[g*gramMul>>shift]&m == m {
				out[n] = int32(i + j*stride)
				n++
			}
		}
	}
	return i, n
}
