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
// Of the grams a pattern could be found by, the rarest in real files are
// chosen (freq.go): common bytes and common code (00, FF, spaces, push 0,
// call [imm32]) make grams that hit constantly on real files.

const (
	gramLen = 4
	// maxExpand bounds the variants one gram may be entered with: a gram
	// with one nibble wildcard has 16, a case-insensitive 4-letter gram 16.
	maxExpand = 16
	// maxSpan bounds how far into a part anchor grams are looked for; the
	// gram offset is stored in refGramBits and parts are searched once per
	// add.
	maxSpan = 1024
)

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

// gramAnchor is the chosen anchor of one pattern in a gram tier.
type gramAnchor struct {
	part  uint32
	tier  int     // index in tiers
	score float64 // expected candidates per byte of a real file
	offs  []uint16
}

// gramScratch is chooseGrams' scratch space, kept by the Builder so that
// a pattern costs no allocation.
type gramScratch struct {
	cl   []byteClass
	nv   []int     // variants of the gram at each offset (0: unusable)
	prob []float64 // its probability in real files
	fp   fixedProbs
}

// tierFallback is how much rarer a 3-gram anchor must be than the best
// main-tier one to move a pattern to the every-byte tier: that tier's
// bitmap is shared by all its patterns, so only anchors the main tier can
// only find in common code (zeros, short runs of common instructions) go.
const tierFallback = 16

// chooseGrams finds the tier and part in which the pattern makes the
// fewest candidates on real files, and the rarest grams for it: in each
// tier, each part's grams per residue are those of lowest probability in
// real files (gramProb) among those the tier can enter (few enough
// variants); the part whose grams add up to the lowest rate wins. The
// main tier is taken when it can hold the pattern unless an every-byte
// 3-gram is tierFallback times rarer.
func (c *code) chooseGrams(part0, nparts uint32, sc *gramScratch) (gramAnchor, bool) {
	var best [len(tiers)]gramAnchor
	var found [len(tiers)]bool
	var offs [16]uint16 // room for any tier's stride
	for pi := uint32(0); pi < nparts; pi++ {
		sc.cl = c.partClasses(c.parts[part0+pi], sc.cl)
		cl := sc.cl
		sc.fp.fill(cl)
		for ti, ts := range tiers {
			s := ts.stride
			nv, prob := sc.nv[:0], sc.prob[:0]
			for j := 0; j+ts.q <= len(cl) && j < maxSpan; j++ {
				n := 0
				if j >= gramPad-(s-1) {
					// A gram starting k bytes before the part serves the
					// alignments s ≡ k (mod stride); for k >= stride the
					// first of them would need a probe before the file.
					n = variantCount(cl[j:], ts.q, ts.maxExpand)
				}
				nv = append(nv, n)
				pr := 0.0
				if n > 0 {
					pr = sc.fp.prob(cl, j, ts.q)
				}
				prob = append(prob, pr)
			}
			sc.nv, sc.prob = nv, prob
			total, score, ok := 0, 0.0, true
			for r := 0; r < s && ok; r++ {
				bj := -1
				for j := r; j < len(nv); j += s {
					if nv[j] > 0 && (bj < 0 || prob[j] < prob[bj] || (prob[j] == prob[bj] && nv[j] < nv[bj])) {
						bj = j
					}
				}
				if ok = bj >= 0; ok {
					offs[r] = uint16(bj)
					total += nv[bj]
					score += prob[bj] / float64(s)
				}
			}
			if !ok || total > ts.maxTotal {
				continue
			}
			if pi == 0 {
				score *= 0.99 // the left side is then trivial to verify
			}
			if !found[ti] || score < best[ti].score {
				best[ti] = gramAnchor{part: pi, tier: ti, score: score, offs: append(best[ti].offs[:0], offs[:s]...)}
				found[ti] = true
			}
		}
	}
	switch {
	case found[0] && (!found[1] || best[0].score <= tierFallback*best[1].score):
		return best[0], true
	case found[1]:
		return best[1], true
	}
	return gramAnchor{}, false
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
	score                  float64 // higher is better
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

// scoreShort finds the best window of one literal run: its rarest pair in
// real files, with a third byte when the run has one.
func (c *code) scoreShort(o op, prefix int) anchorChoice {
	run := c.lit[o.a : o.a+o.n]
	L := min(len(run), 3)
	bestW, bestP := 0, float32(2)
	for w := 0; w+2 <= L; w++ {
		if p := pairProb[uint16(run[w])|uint16(run[w+1])<<8]; p < bestP {
			bestW, bestP = w, p
		}
	}
	// A 3-byte run keeps its third byte: the short pass checks it.
	length := uint32(2)
	if L == 3 && bestW == 0 {
		length = 3
	}
	return anchorChoice{off: uint32(prefix + bestW), length: length, lit: o.a + uint32(bestW),
		score: -float64(bestP) * float64(uint32(1)<<(8*(3-length))), ok: true}
}
