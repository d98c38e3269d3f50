package matcher

import (
	"encoding/binary"
	"math/bits"
	"slices"
)

// The anchor filter. Patterns whose anchor allows stride k (a run of k+3
// fixed bytes) enter group k with all k 4-grams of the anchor, each tagged
// with its distance j from the anchor start. Scanning probes only positions
// that are multiples of k: whatever the anchor's alignment, exactly one
// probe falls on one of its grams. A probe is a multiply, one bit test in a
// bitmap of ~16 bits per gram, and only on a hit a directory lookup.

const gramMul = 0x9E3779B1 // odd: gram -> key is a bijection on uint32

type gramGroup struct {
	stride   int
	bmShift  uint32
	bitmap   []uint64
	dirShift uint32
	dir      []uint32 // start in keys/refs of each key>>dirShift bucket
	keys     []uint32 // gram*gramMul, sorted
	refs     []uint32 // pattern<<5 | j
}

func newGramGroup(stride int, pairs []uint64) *gramGroup {
	g := &gramGroup{stride: stride}
	n := len(pairs)
	bmBits := max(bits.Len(uint(n*16-1)), 12)
	g.bmShift = uint32(32 - bmBits)
	g.bitmap = make([]uint64, 1<<bmBits/64)
	dirBits := max(bits.Len(uint(n-1))-1, 4)
	g.dirShift = uint32(32 - dirBits)
	g.dir = make([]uint32, 1<<dirBits+1)
	radixSort(pairs)
	g.keys = make([]uint32, n)
	g.refs = make([]uint32, n)
	for i, pr := range pairs {
		k := uint32(pr >> 32)
		g.keys[i], g.refs[i] = k, uint32(pr)
		g.bitmap[k>>g.bmShift>>6] |= 1 << (k >> g.bmShift & 63)
		g.dir[k>>g.dirShift+1]++
	}
	for i := 1; i < len(g.dir); i++ {
		g.dir[i] += g.dir[i-1]
	}
	return g
}

// radixSort sorts by the high 32 bits (the key), stable, in four passes.
func radixSort(a []uint64) {
	tmp := make([]uint64, len(a))
	src, dst := a, tmp
	for shift := uint(32); shift < 64; shift += 8 {
		var cnt [257]int
		for _, x := range src {
			cnt[(x>>shift)&0xff+1]++
		}
		for i := 1; i < 257; i++ {
			cnt[i] += cnt[i-1]
		}
		for _, x := range src {
			b := (x >> shift) & 0xff
			dst[cnt[b]] = x
			cnt[b]++
		}
		src, dst = dst, src
	}
	// Four passes: the result is back in a.
}

// probe scans absolute positions from `from` (aligned to the stride) while
// a whole gram is inside buf, calling hit for every exact gram match. It
// returns the next position to probe.
func (g *gramGroup) probe(buf []byte, base, from int64, hit func(ref uint32, pos int64)) int64 {
	k := int64(g.stride)
	end := base + int64(len(buf)) - gramLen
	bm, shift := g.bitmap, g.bmShift
	p := from
	for ; p <= end; p += k {
		key := binary.LittleEndian.Uint32(buf[p-base:]) * gramMul
		h := key >> shift
		if bm[h>>6]&(1<<(h&63)) == 0 {
			continue
		}
		g.lookup(key, p, hit)
	}
	return p
}

// lookup reports every reference of key at position p.
func (g *gramGroup) lookup(key uint32, p int64, hit func(ref uint32, pos int64)) {
	d := key >> g.dirShift
	for i, e := g.dir[d], g.dir[d+1]; i < e; i++ {
		if g.keys[i] == key {
			hit(g.refs[i], p)
		}
	}
}

// denseGroup holds the anchors that must be probed at every position:
// 2- and 3-byte anchors (by their first two bytes, against an 8 KiB bitmap
// that stays in L1 cache) and 4- and 5-byte ones (by their 4-gram, as a
// stride-1 gramGroup). One pass over the data serves both.
type denseGroup struct {
	pre   [1024]uint64
	dir   []uint32   // 65537: short refs by 2-gram (nil when none)
	short []uint64   // pattern index | third anchor byte<<32 | has third byte<<40
	quad  *gramGroup // stride-1 4-grams (nil when none)
}

// newDenseGroup takes (2-gram<<48 | shortRef) pairs for short anchors and
// (key<<32 | pattern<<5) pairs for 4-byte anchors.
func newDenseGroup(short, quad []uint64) *denseGroup {
	g := &denseGroup{}
	if len(short) > 0 {
		slices.Sort(short)
		g.dir = make([]uint32, 65537)
		g.short = make([]uint64, len(short))
		for i, pr := range short {
			k := uint32(pr >> 48)
			g.short[i] = pr & (1<<48 - 1)
			g.pre[k>>6] |= 1 << (k & 63)
			g.dir[k+1]++
		}
		for i := 1; i < len(g.dir); i++ {
			g.dir[i] += g.dir[i-1]
		}
	}
	if len(quad) > 0 {
		g.quad = newGramGroup(1, quad)
	}
	return g
}

// probe checks positions from `from` while their grams are inside buf; at
// eof the last positions, too short for a 4-gram, are checked for 2-grams.
func (g *denseGroup) probe(buf []byte, base, from int64, eof bool, hitQuad, hitShort func(ref uint32, pos int64)) int64 {
	n := int64(len(buf))
	end := n - gramLen
	if eof {
		end = n - 2
	}
	i := from - base
	q := g.quad
	for ; i <= end; i++ {
		// 4-byte anchors: their own bitmap (a 2-byte prefilter saturates
		// once there are tens of thousands of them).
		if q != nil && i+gramLen <= n {
			key := binary.LittleEndian.Uint32(buf[i:]) * gramMul
			if h := key >> q.bmShift; q.bitmap[h>>6]&(1<<(h&63)) != 0 {
				q.lookup(key, base+i, hitQuad)
			}
		}
		k := uint32(buf[i]) | uint32(buf[i+1])<<8
		if g.pre[k>>6]&(1<<(k&63)) == 0 {
			continue
		}
		if g.dir != nil {
			for _, r := range g.short[g.dir[k]:g.dir[k+1]] {
				// A 3-byte anchor checks its third byte here: 256 times
				// fewer verifications than the 2-gram alone.
				if r>>40&1 == 0 || (i+2 < n && buf[i+2] == byte(r>>32)) {
					hitShort(uint32(r), base+i)
				}
			}
		}
	}
	return base + i
}
