package matcher

import (
	"encoding/binary"
	"iter"
)

// The direct 3-gram loop. The every-byte 3-gram tier does not hash: its
// grams index a bitmap by their low directBits bits (b0, b1 and the low
// six bits of b2; 512 KB, which stays in L2 cache). A set bit is a
// candidate for the exact lookup; at 22k grams about 0.5% of random
// positions pass, 0.13% of them true 3-gram hits.
//
// Why not the Bloom kernel at stride 1: at every byte it is bound by the
// gather (microcoded on AMD), 8 probes per ~20 cycles. Scalar loads here
// are a load, BEXTR, a load and BT per position (kernel_direct_amd64.s);
// measured alone on random data with an empty bitmap: 3.6 GB/s at 32 KB,
// 2.4-2.7 GB/s at 64-512 KB, 1.4 GB/s for the exact 24-bit bitmap (2 MB,
// out of L2).

const (
	directBits  = 22
	directMask  = 1<<directBits - 1
	directLanes = 16              // positions per block
	directReach = directLanes + 3 // bytes a block reads
)

// gramInv is the inverse of gramMul mod 2^32: keys back to grams.
var gramInv = func() uint32 {
	x := uint32(gramMul) // Newton: each step doubles the correct low bits
	for range 5 {
		x *= 2 - gramMul*x
	}
	return x
}()

// newDirect returns the bitmap of the low directBits bits of the grams
// whose keys (gram*gramMul) are given.
func newDirect(keys iter.Seq[uint32]) []uint32 {
	bm := make([]uint32, 1<<(directBits-5))
	for key := range keys {
		g := key * gramInv & directMask
		bm[g>>5] |= 1 << (g & 31)
	}
	return bm
}

// directHas says whether gram g (of a little-endian dword) may be in bm.
func directHas(bm []uint32, g uint32) bool {
	g &= directMask
	return bm[g>>5]>>(g&31)&1 != 0
}

// directGeneric checks the blocks of 16 positions at i, i+16, ... while a
// block's reach fits in buf[:end], appending every passing position to
// out, until fewer than directLanes slots of out are left. It returns the
// next block's start and the number of positions appended. Positions are
// int32: buf must be shorter than 2 GiB.
func directGeneric(buf []byte, i, end int, bm []uint32, out []int32) (int, int) {
	n := 0
	for ; i+directReach <= end && n+directLanes <= len(out); i += directLanes {
		for j := range directLanes {
			g := binary.LittleEndian.Uint32(buf[i+j:]) & directMask
			if bm[g>>5]>>(g&31)&1 != 0 {
				out[n] = int32(i + j)
				n++
			}
		}
	}
	return i, n
}
