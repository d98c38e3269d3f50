package matcher

import (
	"math/bits"

	"github.com/sigtool/sigtool/sigfile"
)

// Anchor choice. The filter probes a 4-gram every S positions (S is the
// stride of the pattern's tier, see filter.go). A pattern can be found at
// stride S when one of its parts has, for every residue r mod S, a 4-gram
// at a fixed distance j ≡ r from the part start whose bytes are known up to
// a few values: whatever the alignment of the match, one probe then lands on
// one of those grams. Grams may span nibble masks, small sets, case-folded
// letters and even "??" (the gram is entered with each of its variants, at
// most maxExpand), so a part like "4142?3444546??4748494a" still gets a
// sparse anchor instead of falling to a pass over every byte.
//
// Common bytes (00, FF, spaces, NOPs, line ends) make grams that hit
// constantly on real files, so grams made of them weigh as if they had many
// variants.

const (
	gramLen = 4
	// maxExpand bounds the variants one gram may be entered with: a gram
	// with one nibble wildcard has 16, a case-insensitive 4-letter gram 16.
	maxExpand = 16
	// maxSpan bounds how far into a part anchor grams are looked for; the
	// gram offset is stored in 16 bits and parts are searched once per add.
	maxSpan = 1024
	// badWeight is what a gram of common bytes costs, in variants.
	badWeight = 64
)

// commonByte marks bytes that fill real files (padding, NOPs, text).
var commonByte = func() (t [256]bool) {
	for _, b := range []byte{0x00, 0xff, 0x20, 0x90, 0xcc, 0x0a, 0x0d, 0x09, 0x30} {
		t[b] = true
	}
	return
}()

// maskSet is the set of values v with v&mask == val&mask. The builders
// need it for every masked byte and alternative of every pattern, so the
// masks that hex signatures write ("??", "a?", "?a", "aa") take no walk
// over all 256 values.
func maskSet(mask, val byte) (set [4]uint64) {
	val &= mask
	switch mask {
	case 0xff:
		set[val>>6] = 1 << (val & 63)
	case 0xf0: // 16 values in a row, inside one word
		set[val>>6] = 0xffff << (val & 63)
	case 0x0f: // val, val+16, val+32 and val+48 in each word
		w := uint64(0x0001_0001_0001_0001) << val
		set = [4]uint64{w, w, w, w}
	default:
		for v := range 256 {
			if byte(v)&mask == val {
				set[v>>6] |= 1 << (v & 63)
			}
		}
	}
	return set
}

// byteSet is the set of values bm matches, with both cases of a fixed
// letter when nocase.
func byteSet(bm sigfile.ByteMatch, nocase bool) [4]uint64 {
	set := maskSet(bm.Mask, bm.Value)
	if nocase && bm.Mask == 0xff {
		for _, v := range [2]byte{lower(bm.Value), upper(bm.Value)} {
			set[v>>6] |= 1 << (v & 63)
		}
	}
	return set
}

// The classes of (B) and (W) inside a part.
var boundaryClass, nonAlnumClass = func() (bc, nc byteClass) {
	for v := range 256 {
		if boundary[v] != 0 {
			bc.add(byte(v))
		}
		if !isAlnum(byte(v)) {
			nc.add(byte(v))
		}
	}
	return bc, nc
}()

// byteClass is the set of values one byte of a part may take.
type byteClass struct {
	set [4]uint64
	n   int // popcount of set
}

func (b *byteClass) add(v byte) {
	if b.set[v>>6]&(1<<(v&63)) == 0 {
		b.set[v>>6] |= 1 << (v & 63)
		b.n++
	}
}

func (b *byteClass) all() {
	b.set = [4]uint64{^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0)}
	b.n = 256
}

// union adds every value of set.
func (b *byteClass) union(set [4]uint64) {
	for i, w := range set {
		b.set[i] |= w
	}
	b.count()
}

func (b *byteClass) count() {
	b.n = 0
	for _, w := range b.set {
		b.n += bits.OnesCount64(w)
	}
}

// first returns the smallest value of the class.
func (b *byteClass) first() (byte, bool) {
	for i, w := range b.set {
		if w != 0 {
			return byte(i*64 + bits.TrailingZeros64(w)), true
		}
	}
	return 0, false
}

// single returns the only value of a one-value class.
func (b *byteClass) single() (byte, bool) {
	if b.n != 1 {
		return 0, false
	}
	for i, w := range b.set {
		if w != 0 {
			return byte(i*64 + bits.TrailingZeros64(w)), true
		}
	}
	return 0, false
}

// gramPad is how many bytes of any value partClasses puts on each side of
// a part: a gram may reach past the part's edge (entered with all 256
// values of each outside byte), so that a 6-byte part still has a gram for
// every residue mod 4.
const gramPad = gramLen - 1

// partClasses returns the byte classes of the part's leading region whose
// bytes are at a fixed distance from its start (up to maxSpan+gramLen),
// with gramPad classes of any byte before and after it: index j is part
// offset j-gramPad.
func (c *code) partClasses(pd partDesc, out []byteClass) []byteClass {
	return c.partClassesTo(pd, out, gramPad+maxSpan+gramLen)
}

// partClassesTo is partClasses for a caller that needs only the first n
// classes (those past n may be missing, or "any" though the part goes on).
func (c *code) partClassesTo(pd partDesc, out []byteClass, n int) []byteClass {
	var anyByte byteClass
	anyByte.all()
	out = out[:0]
	for range gramPad {
		out = append(out, anyByte)
	}
	out = c.fixedClasses(pd, out, min(n, gramPad+maxSpan+gramLen))
	for range gramPad {
		out = append(out, anyByte)
	}
	return out
}

// fixedClasses appends the classes of the part's fixed-distance region,
// until out has limit classes.
func (c *code) fixedClasses(pd partDesc, out []byteClass, limit int) []byteClass {
	for _, o := range c.ops[pd.op0:pd.op1] {
		if len(out) >= limit {
			break
		}
		lo, hi := c.width(o)
		if lo != hi {
			break // later bytes have no fixed distance from the part start
		}
		if lo == 0 {
			continue // zero-width conditions
		}
		switch o.kind {
		case opLit:
			for _, v := range c.lit[o.a : o.a+o.n] {
				var b byteClass
				b.add(v)
				if o.nocase {
					b.add(upper(v))
				}
				out = append(out, b)
				if len(out) >= limit {
					break
				}
			}
		case opMask:
			b := byteClass{set: maskSet(o.mask, o.val)}
			b.count()
			out = append(out, b)
		case opSet:
			b := byteClass{set: c.sets[o.a]}
			b.count()
			out = append(out, b)
		case opBound:
			out = append(out, boundaryClass)
		case opNonAlnum:
			out = append(out, nonAlnumClass)
		case opAlt:
			// Fixed-width alternative: byte i is one of the items' byte i.
			a := c.alts[o.a]
			start := len(out)
			for range lo {
				var b byteClass
				if a.negate {
					b.all()
				}
				out = append(out, b)
			}
			if !a.negate {
				for _, it := range c.items[a.i0:a.i1] {
					for i, bm := range c.bms[it.b0 : it.b0+it.n] {
						out[start+i].union(byteSet(bm, o.nocase))
					}
				}
			}
		default: // opSkip and anything else of fixed width: any byte
			for range lo {
				var b byteClass
				b.all()
				out = append(out, b)
				if len(out) >= limit {
					break
				}
			}
		}
	}
	return out
}

// classInfo is what gramWeight needs of a byteClass, computed once per
// part instead of once per gram and tier.
type classInfo struct {
	n      int32 // number of values
	one    int16 // the only value, or -1
	common bool  // one is a common byte
}

// classInfos fills info with the classInfo of each class of cl.
func classInfos(cl []byteClass, info []classInfo) []classInfo {
	info = info[:0]
	for i := range cl {
		ci := classInfo{n: int32(cl[i].n), one: -1}
		if v, ok := cl[i].single(); ok {
			ci.one, ci.common = int16(v), commonByte[v]
		}
		info = append(info, ci)
	}
	return info
}

// gramWeight is the number of filter entries the q-gram at info costs (0:
// unusable), times badWeight when its bytes are common ones or all one
// value.
func gramWeight(info []classInfo, q, maxExp int) int {
	n, common := 1, 0
	same := info[0].one >= 0
	for i := range q {
		n *= int(info[i].n)
		if n > maxExp {
			return 0
		}
		if info[i].common {
			common++
		}
		if info[i].one != info[0].one {
			same = false
		}
	}
	if common >= q-1 || same {
		n *= badWeight
	}
	return n
}

// gramAnchor is the chosen anchor of one pattern in a gram tier.
type gramAnchor struct {
	part   uint32
	tier   int // index in tiers
	weight int
	offs   []uint16 // gram offset in the part, one per residue
}

// gramScratch is chooseGrams' scratch space, kept by the Builder so that
// a pattern costs no allocation.
type gramScratch struct {
	cl   []byteClass
	info []classInfo
	ws   []int
}

// chooseGrams finds the cheapest tier in which some part of the pattern
// is covered, and the cheapest grams for it.
func (c *code) chooseGrams(part0, nparts uint32, sc *gramScratch) (gramAnchor, bool) {
	var best gramAnchor
	found := false
	var offs [16]uint16 // room for any tier's stride
	for pi := uint32(0); pi < nparts; pi++ {
		sc.cl = c.partClasses(c.parts[part0+pi], sc.cl)
		sc.info = classInfos(sc.cl, sc.info)
		info := sc.info
		for ti, ts := range tiers {
			s := ts.stride
			if found && ti > best.tier {
				break
			}
			ws := sc.ws[:0]
			for j := 0; j+ts.q <= len(info) && j < maxSpan; j++ {
				if j < gramPad-(s-1) {
					// A gram starting k bytes before the part serves the
					// alignments s ≡ k (mod stride); for k >= stride the
					// first of them would need a probe before the file.
					ws = append(ws, 0)
					continue
				}
				ws = append(ws, gramWeight(info[j:], ts.q, ts.maxExpand))
			}
			sc.ws = ws
			total, ok := 0, true
			for r := 0; r < s && ok; r++ {
				bw := 0
				for j := r; j < len(ws); j += s {
					if ws[j] > 0 && (bw == 0 || ws[j] < bw) {
						bw, offs[r] = ws[j], uint16(j)
					}
				}
				ok = bw > 0
				total += bw
			}
			if !ok || total > ts.maxTotal {
				continue
			}
			if pi == 0 {
				total-- // the left side is then trivial to verify
			}
			if !found || ti < best.tier || total < best.weight {
				best = gramAnchor{part: pi, tier: ti, weight: total, offs: append(best.offs[:0], offs[:s]...)}
				found = true
			}
			break
		}
	}
	return best, found
}

// gramVariants calls fn with every little-endian value of the q-gram.
func gramVariants(cl []byteClass, q int, fn func(v uint32)) {
	var vals [gramLen][256]byte
	cnt := [gramLen]int{1, 1, 1, 1} // a missing fourth byte: one value, 0
	for i := range q {
		cnt[i] = 0
		for wi, word := range cl[i].set {
			for ; word != 0; word &= word - 1 {
				vals[i][cnt[i]] = byte(wi*64 + bits.TrailingZeros64(word))
				cnt[i]++
			}
		}
	}
	for _, b0 := range vals[0][:cnt[0]] {
		for _, b1 := range vals[1][:cnt[1]] {
			for _, b2 := range vals[2][:cnt[2]] {
				for _, b3 := range vals[3][:cnt[3]] {
					fn(uint32(b0) | uint32(b1)<<8 | uint32(b2)<<16 | uint32(b3)<<24)
				}
			}
		}
	}
}

type anchorChoice struct {
	part, off, length, lit uint32
	score                  int
	ok                     bool
}

// chooseShort picks a 2- or 3-byte literal anchor for a pattern that has no
// usable gram: a pass over every position checks them by their first two bytes.
func (c *code) chooseShort(part0, nparts uint32) anchorChoice {
	var best anchorChoice
	for pi := uint32(0); pi < nparts; pi++ {
		pd := c.parts[part0+pi]
		prefix := 0
		for _, o := range c.ops[pd.op0:pd.op1] {
			lo, hi := c.width(o)
			if o.kind == opLit && o.n >= 2 {
				if a := c.scoreShort(o, prefix); !best.ok || a.score > best.score {
					a.part = pi
					best = a
				}
			}
			if lo != hi {
				break // later ops have no fixed distance from the part start
			}
			prefix += lo
		}
	}
	return best
}

// scoreShort finds the best window of one literal run: a pair of rare
// bytes, with a third when the run has one.
func (c *code) scoreShort(o op, prefix int) anchorChoice {
	run := c.lit[o.a : o.a+o.n]
	L := min(len(run), 3)
	bestW, bestBad := 0, 3
	for w := 0; w+2 <= L; w++ {
		bad := 0
		if commonByte[run[w]] {
			bad++
		}
		if commonByte[run[w+1]] {
			bad++
		}
		if bad < bestBad {
			bestW, bestBad = w, bad
		}
	}
	// A 3-byte run keeps its third byte: the short pass checks it.
	length := uint32(2)
	if L == 3 && bestW == 0 {
		length = 3
	}
	return anchorChoice{off: uint32(prefix + bestW), length: length, lit: o.a + uint32(bestW),
		score: -bestBad + int(length), ok: true}
}
