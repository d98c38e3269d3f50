package matcher

// Anchor choice. A candidate is a run of fixed bytes (an opLit) at a fixed
// distance from the start of its part. With the 4-gram filter sampled every
// k positions a run of k+3 bytes is always probed once, so longer runs allow
// sparser probing; common bytes (00, FF, spaces, NOPs, line ends) make grams
// that hit constantly on real files, so windows made of them score low.

const (
	gramLen   = 4
	maxStride = 32
	// denseStride: anchors allowing only this stride or less are probed at
	// every position, behind a 2-byte prefilter (denseGroup).
	denseStride = 2
)

// commonByte marks bytes that fill real files (padding, NOPs, text).
var commonByte = func() (t [256]bool) {
	for _, b := range []byte{0x00, 0xff, 0x20, 0x90, 0xcc, 0x0a, 0x0d, 0x09, 0x30} {
		t[b] = true
	}
	return
}()

// badGram says a 4-byte window would hit too often to be an anchor.
func badGram(g []byte) bool {
	n := 0
	for _, b := range g {
		if commonByte[b] {
			n++
		}
	}
	return n >= 3 || (g[0] == g[1] && g[1] == g[2] && g[2] == g[3])
}

type anchorChoice struct {
	part, off, length, lit, stride uint32
	score                          int
	ok                             bool
}

// chooseAnchor picks the best anchor of the pattern's parts.
func (c *code) chooseAnchor(part0, nparts uint32) anchorChoice {
	var best anchorChoice
	for pi := uint32(0); pi < nparts; pi++ {
		pd := c.parts[part0+pi]
		prefix := 0
		for _, o := range c.ops[pd.op0:pd.op1] {
			lo, hi := c.width(o)
			if o.kind == opLit && o.n >= 2 {
				if a := c.scoreRun(o, prefix); a.ok {
					a.part = pi
					if pi == 0 {
						a.score++ // the left side is then trivial to verify
					}
					if !best.ok || a.score > best.score {
						best = a
					}
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

func log2(k int) int {
	n := 0
	for k > 1 {
		k >>= 1
		n++
	}
	return n
}

// scoreRun finds the best window of one literal run.
func (c *code) scoreRun(o op, prefix int) anchorChoice {
	run := c.lit[o.a : o.a+o.n]
	L := len(run)
	if L < gramLen {
		// A short anchor: the 2-gram table. Prefer a pair of rare bytes.
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
		// A 3-byte run keeps its third byte: the dense pass checks it.
		length := uint32(2)
		if L == 3 && bestW == 0 {
			length = 3
		}
		return anchorChoice{off: uint32(prefix + bestW), length: length, lit: o.a + uint32(bestW),
			stride: 1, score: -20 - bestBad + L, ok: true}
	}
	var best anchorChoice
	for k := min(maxStride, L-gramLen+1); k >= 1; k-- {
		if k&(k-1) != 0 {
			continue // powers of two only: fewer filter groups
		}
		wl := k + gramLen - 1
		for w := 0; w+wl <= L; w++ {
			bad := 0
			for j := 0; j < k; j++ {
				if badGram(run[w+j : w+j+gramLen]) {
					bad++
				}
			}
			// Each bad gram is probed on every k-th position of typical
			// padding: weigh it like a halving of the stride.
			s := 4*log2(k) - 4*bad
			if !best.ok || s > best.score {
				best = anchorChoice{off: uint32(prefix + w), length: uint32(wl), lit: o.a + uint32(w),
					stride: uint32(k), score: s, ok: true}
			}
		}
	}
	return best
}
