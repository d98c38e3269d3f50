package matcher

import (
	"encoding/binary"
	"math/bits"
	"slices"
)

// The anchor filter. A pattern in tier k (anchor.go) is entered with one
// 4-gram per residue mod k, each tagged with its offset in the anchor part;
// the scan probes every k-th position, and whatever the alignment of a
// match exactly one probe falls on one of those grams. A probe hashes the
// gram once and tests three bits in one 64-bit word of a blocked Bloom
// filter (~16 bits per entry: about 1% false hits, and one cache line
// touched per probe); only a hit looks up the exact sorted table.

// sparseStride is the stride of the main tier. Stride 8 needs twice the
// entries (4-8 MB of filter, past what stays in cache here) and measured
// 48-100 MB/s against 102-168 MB/s for stride 4 at 300k patterns.
const sparseStride = 4

// Filter bits per entry: the sparse tier tests three bits (~0.3% false
// hits measured at 16); the dense tier, probed at every byte, one bit
// (~2%; 64 bits gave 1.1% and no measurable gain) in a filter small
// enough for L2 (128 KB at 300k patterns).
const (
	sparseBits = 16
	denseBits  = 32
)

const (
	gramMul  = 0x9E3779B1         // odd: gram -> key is a bijection on uint32
	bloomMul = 0x9E3779B97F4A7C15 // 64-bit: word index and bit positions
)

type gramTier struct {
	stride   int
	q        int
	shift    uint     // 64 - log2(len(bloom))
	bloom    []uint64 // blocked Bloom filter over the grams
	dirShift uint32
	dir      []uint32 // start in keys/refs of each key>>dirShift bucket
	keys     []uint32 // gram*gramMul, in directory buckets
	refs     []uint64 // pattern<<16 | gram offset in the anchor part
}

// bloomWord3 returns the word index and the three-bit mask of a gram (the
// sparse tier, whose filter is too big for cache: few false hits per bit).
func bloomWord3(g uint32, shift uint) (uint64, uint64) {
	h := uint64(g) * bloomMul
	return h >> shift, 1<<(h>>(shift-6)&63) | 1<<(h>>(shift-12)&63) | 1<<(h>>(shift-18)&63)
}

// bloomWord1 returns the word index and the bit of a gram (the dense tier:
// its filter is small enough to stay in cache at many bits per entry, and
// one bit is the cheapest test for a probe made at every byte).
func bloomWord1(g uint32, shift uint) (uint64, uint64) {
	h := uint64(g) * bloomMul
	return h >> shift, h >> (shift - 6) & 63
}

// buildTiers builds one filter tier per tier spec that has patterns. One
// walk over the patterns lists every gram variant (8 bytes each, with an
// index into the list of grams); a counting sort by directory bucket then
// places them (bucket order is all lookup needs).
func buildTiers(c *code, pats []pattern, live []bool, offs []uint16) []*gramTier {
	var out []*gramTier
	var buf []byteClass
	for _, ts := range tiers {
		s, q := ts.stride, ts.q
		var ents []uint64 // gram<<32 | index in grefs
		var grefs []uint64
		for pi := range pats {
			p := &pats[pi]
			if !live[pi] || int(p.stride) != s {
				continue
			}
			buf = c.partClasses(c.parts[p.part0+p.anchorPart], buf)
			for _, j := range offs[p.anchorLit : p.anchorLit+p.anchorLen] {
				gi := uint64(len(grefs))
				grefs = append(grefs, uint64(pi)<<16|uint64(j))
				gramVariants(buf[j:j+uint16(q)], q, func(g uint32) { ents = append(ents, uint64(g)<<32|gi) })
			}
		}
		n := len(ents)
		if n == 0 {
			continue
		}
		t := &gramTier{stride: s, q: q}
		bitsPer := sparseBits
		if s == 1 {
			bitsPer = denseBits
		}
		words := max(bits.Len(uint(n*bitsPer/64)), 6)
		t.shift = uint(64 - words)
		t.bloom = make([]uint64, 1<<words)
		dirBits := max(bits.Len(uint(n-1))-1, 4)
		t.dirShift = uint32(32 - dirBits)
		t.dir = make([]uint32, 1<<dirBits+1)
		for _, e := range ents {
			t.dir[uint32(e>>32)*gramMul>>t.dirShift+1]++
		}
		for i := 1; i < len(t.dir); i++ {
			t.dir[i] += t.dir[i-1]
		}
		next := slices.Clone(t.dir)
		t.keys = make([]uint32, n)
		t.refs = make([]uint64, n)
		for _, e := range ents {
			g := uint32(e >> 32)
			key := g * gramMul
			i := next[key>>t.dirShift]
			next[key>>t.dirShift]++
			t.keys[i], t.refs[i] = key, grefs[uint32(e)]
			if s == 1 {
				w, b := bloomWord1(g, t.shift)
				t.bloom[w] |= 1 << b
			} else {
				w, m := bloomWord3(g, t.shift)
				t.bloom[w] |= m
			}
		}
		out = append(out, t)
	}
	return out
}

// probe scans absolute positions from `from` (aligned to the stride) while
// a whole 4-gram is inside buf, calling hit for every exact gram match. It
// returns the next position to probe.
func (t *gramTier) probe(buf []byte, base, from int64, eof bool, hit func(ref uint64, pos int64)) int64 {
	if t.stride == 1 {
		return t.probeDense(buf, base, from, eof, hit)
	}
	k := int64(t.stride)
	last := int64(len(buf)) - gramLen
	bloom, shift := t.bloom, t.shift
	i := from - base
	// Four independent probes per round: their cache misses overlap, and
	// one well-predicted branch decides that none of them hit.
	for ; i+3*k <= last; i += 4 * k {
		g0 := binary.LittleEndian.Uint32(buf[i:])
		g1 := binary.LittleEndian.Uint32(buf[i+k:])
		g2 := binary.LittleEndian.Uint32(buf[i+2*k:])
		g3 := binary.LittleEndian.Uint32(buf[i+3*k:])
		w0, m0 := bloomWord3(g0, shift)
		w1, m1 := bloomWord3(g1, shift)
		w2, m2 := bloomWord3(g2, shift)
		w3, m3 := bloomWord3(g3, shift)
		x0, x1, x2, x3 := bloom[w0]&m0^m0, bloom[w1]&m1^m1, bloom[w2]&m2^m2, bloom[w3]&m3^m3
		if x0 != 0 && x1 != 0 && x2 != 0 && x3 != 0 {
			continue
		}
		if x0 == 0 {
			t.lookup(g0, base+i, hit)
		}
		if x1 == 0 {
			t.lookup(g1, base+i+k, hit)
		}
		if x2 == 0 {
			t.lookup(g2, base+i+2*k, hit)
		}
		if x3 == 0 {
			t.lookup(g3, base+i+3*k, hit)
		}
	}
	for ; i <= last; i += k {
		g := binary.LittleEndian.Uint32(buf[i:])
		if w, m := bloomWord3(g, shift); bloom[w]&m == m {
			t.lookup(g, base+i, hit)
		}
	}
	return base + i
}

// probeDense probes 3-grams at every position, stopping like probe where a
// 4-gram would no longer fit (chunks overlap by more than that), except at
// the end of the file.
func (t *gramTier) probeDense(buf []byte, base, from int64, eof bool, hit func(ref uint64, pos int64)) int64 {
	last := int64(len(buf)) - gramLen
	bloom, shift := t.bloom, t.shift
	i := from - base
	for ; i+4 <= last; i += 4 {
		// One 8-byte load serves four probes.
		v := binary.LittleEndian.Uint64(buf[i:])
		g0, g1, g2, g3 := uint32(v)&0xffffff, uint32(v>>8)&0xffffff, uint32(v>>16)&0xffffff, uint32(v>>24)&0xffffff
		w0, b0 := bloomWord1(g0, shift)
		w1, b1 := bloomWord1(g1, shift)
		w2, b2 := bloomWord1(g2, shift)
		w3, b3 := bloomWord1(g3, shift)
		if (bloom[w0]>>b0|bloom[w1]>>b1|bloom[w2]>>b2|bloom[w3]>>b3)&1 == 0 {
			continue
		}
		if bloom[w0]>>b0&1 != 0 {
			t.lookup(g0, base+i, hit)
		}
		if bloom[w1]>>b1&1 != 0 {
			t.lookup(g1, base+i+1, hit)
		}
		if bloom[w2]>>b2&1 != 0 {
			t.lookup(g2, base+i+2, hit)
		}
		if bloom[w3]>>b3&1 != 0 {
			t.lookup(g3, base+i+3, hit)
		}
	}
	if eof {
		last++
	}
	for ; i <= last; i++ {
		g := uint32(buf[i]) | uint32(buf[i+1])<<8 | uint32(buf[i+2])<<16
		if w, b := bloomWord1(g, shift); bloom[w]>>b&1 != 0 {
			t.lookup(g, base+i, hit)
		}
	}
	return base + i
}

// lookup reports every reference of gram g at position p.
func (t *gramTier) lookup(g uint32, p int64, hit func(ref uint64, pos int64)) {
	key := g * gramMul
	d := key >> t.dirShift
	for i, e := t.dir[d], t.dir[d+1]; i < e; i++ {
		if t.keys[i] == key {
			hit(t.refs[i], p)
		}
	}
}

// shortGroup holds 2- and 3-byte anchors, probed at every position by
// their first two bytes against an 8 KiB bitmap that stays in L1 cache.
// Generated and real signatures rarely need it (a part needs two fixed
// bytes, and a usable 4-gram is found in almost all of them).
type shortGroup struct {
	pre   [1024]uint64
	dir   []uint32 // 65537: short refs by 2-gram
	short []uint64 // pattern index | third anchor byte<<32 | has third byte<<40
}

// newShortGroup takes (2-gram<<48 | shortRef) pairs.
func newShortGroup(short []uint64) *shortGroup {
	g := &shortGroup{}
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
	return g
}

// probe checks positions from `from` while their 2-grams are inside buf
// and a 4-gram would be too (so that the next chunk continues seamlessly);
// at eof up to the last 2-gram.
func (g *shortGroup) probe(buf []byte, base, from int64, eof bool, hit func(ref uint32, pos int64)) int64 {
	n := int64(len(buf))
	end := n - gramLen
	if eof {
		end = n - 2
	}
	i := from - base
	for ; i <= end; i++ {
		k := uint32(buf[i]) | uint32(buf[i+1])<<8
		if g.pre[k>>6]&(1<<(k&63)) == 0 {
			continue
		}
		for _, r := range g.short[g.dir[k]:g.dir[k+1]] {
			// A 3-byte anchor checks its third byte here: 256 times
			// fewer verifications than the 2-gram alone.
			if r>>40&1 == 0 || (i+2 < n && buf[i+2] == byte(r>>32)) {
				hit(uint32(r), base+i)
			}
		}
	}
	return base + i
}
