package matcher

import (
	"bytes"
	"math"
	"slices"

	"github.com/sigtool/sigtool/sigfile"
)

// Verification: given that a pattern's part j may start at s, decide whether
// the whole pattern matches there. Parts to the right are searched forward
// from the end of part j, parts to the left backward from its start; the
// first part must start where the pattern's offset allows.
//
// Only generic alternatives (different lengths) make a part's end
// ambiguous; they are handled by backtracking over every alternative. Gaps
// {n-m} are tried exhaustively with a per-verification memo, so nested ranges
// cost (parts x positions), never a product of ranges. Unbounded gaps use
// a per-scan cache of monotone facts ("a chain of the remaining parts starts
// at or after x": true for every smaller x) so that many candidates of one
// pattern in one file cost one pass over the file, not one each.

// step matches one deterministic op at p and returns the position after it,
// or -1.
func (sc *scan) step(o op, p int64) int64 {
	c := &sc.m.c
	v := sc.v
	switch o.kind {
	case opLit:
		b := v.slice(p, int(o.n))
		if b == nil {
			return -1
		}
		lit := c.lit[o.a : o.a+o.n]
		if o.nocase {
			for i, x := range b {
				if lower(x) != lit[i] {
					return -1
				}
			}
		} else if !bytes.Equal(b, lit) {
			return -1
		}
		return p + int64(o.n)
	case opSkip:
		if p+int64(o.n) > v.size {
			return -1
		}
		return p + int64(o.n)
	case opMask:
		if b, ok := v.at(p); ok && b&o.mask == o.val {
			return p + 1
		}
	case opSet:
		s := &c.sets[o.a]
		if b, ok := v.at(p); ok && s[b>>6]&(1<<(b&63)) != 0 {
			return p + 1
		}
	case opBound:
		if b, ok := v.at(p); ok && boundary[b] != 0 {
			return p + 1
		}
	case opNonAlnum:
		if b, ok := v.at(p); ok && !isAlnum(b) {
			return p + 1
		}
	case opLine:
		b, ok := v.at(p)
		if ok && b == '\n' {
			return p + 1
		}
		if n, ok2 := v.at(p + 1); ok && ok2 && b == '\r' && n == '\n' {
			return p + 2
		}
	case opBoundBefore:
		if p == 0 {
			return p
		}
		if b, ok := v.at(p - 1); ok && boundary[b]&1 != 0 {
			return p
		}
	case opBoundAfter:
		if p == v.size {
			return p
		}
		if b, ok := v.at(p); ok && boundary[b]&2 != 0 {
			return p
		}
	case opLineBefore:
		if p == 0 {
			return p
		}
		if b, ok := v.at(p - 1); ok && b == '\n' {
			return p
		}
	case opLineAfter:
		if p == v.size {
			return p
		}
		b, _ := v.at(p)
		n, ok := v.at(p + 1)
		if b == '\n' || (b == '\r' && ok && n == '\n') {
			return p
		}
	case opWordBefore:
		if p == 0 {
			return p
		}
		if b, ok := v.at(p - 1); ok && !isAlnum(b) {
			return p
		}
	case opWordAfter:
		if p == v.size {
			return p
		}
		if b, ok := v.at(p); ok && !isAlnum(b) {
			return p
		}
	case opWideWordBefore:
		if p < 2 {
			return p
		}
		if b := v.slice(p-2, 2); b != nil && !(isAlnum(b[0]) && b[1] == 0) {
			return p
		}
	case opWideWordAfter:
		if p+2 > v.size {
			return p
		}
		if b := v.slice(p, 2); b != nil && !(isAlnum(b[0]) && b[1] == 0) {
			return p
		}
	case opAlt:
		// Fixed-length alternatives only (run handles the others): every
		// alternative ends at the same place, so the first hit decides.
		a := &c.alts[o.a]
		n := int(a.minW)
		b := v.slice(p, n)
		if b == nil {
			return -1
		}
		hit := false
		for _, it := range c.items[a.i0:a.i1] {
			if c.itemMatches(it, b, o.nocase) {
				hit = true
				break
			}
		}
		if hit != a.negate {
			return p + int64(n)
		}
	}
	return -1
}

func (c *code) itemMatches(it altItem, b []byte, nocase bool) bool {
	for i, bm := range c.bms[it.b0 : it.b0+it.n] {
		x := b[i]
		if nocase && bm.Mask == 0xff {
			if lower(x) != lower(bm.Value) {
				return false
			}
		} else if x&bm.Mask != bm.Value&bm.Mask {
			return false
		}
	}
	return true
}

// run matches ops from p and calls yield with every position where they
// can end, stopping (and returning true) when yield returns true.
func (sc *scan) run(ops []op, p int64, yield func(int64) bool) bool {
	c := &sc.m.c
	for i, o := range ops {
		if o.kind == opAlt {
			if a := &c.alts[o.a]; a.minW != a.maxW {
				var tried [4]uint64 // lengths already followed: same length, same continuation
				for _, it := range c.items[a.i0:a.i1] {
					n := int(it.n)
					if n < 256 && tried[n>>6]&(1<<(n&63)) != 0 {
						continue
					}
					b := sc.v.slice(p, n)
					if b == nil || !c.itemMatches(it, b, o.nocase) {
						continue
					}
					if n < 256 {
						tried[n>>6] |= 1 << (n & 63)
					}
					if sc.run(ops[i+1:], p+int64(n), yield) {
						return true
					}
				}
				return false
			}
		}
		if p = sc.step(o, p); p < 0 {
			return false
		}
	}
	return yield(p)
}

// runFixed is run for parts without generic alternatives: one end or -1.
func (sc *scan) runFixed(ops []op, p int64) int64 {
	for _, o := range ops {
		if p = sc.step(o, p); p < 0 {
			return -1
		}
	}
	return p
}

// partEnds calls yield with each end of part pd matched from s.
func (sc *scan) partEnds(pd *partDesc, s int64, yield func(int64) bool) bool {
	ops := sc.m.c.ops[pd.op0:pd.op1]
	if pd.det {
		e := sc.runFixed(ops, s)
		return e >= 0 && yield(e)
	}
	return sc.run(ops, s, yield)
}

// partMatches reports whether part pd matches from s and ends at e.
func (sc *scan) partMatches(pd *partDesc, s, e int64) bool {
	return sc.partEnds(pd, s, func(x int64) bool { return x == e })
}

// firstByteOK is a cheap pre-check used when walking positions one by one.
func (sc *scan) firstByteOK(pd *partDesc, s int64) bool {
	if pd.op0 == pd.op1 {
		return true
	}
	o := sc.m.c.ops[pd.op0]
	switch o.kind {
	case opLit:
		b, ok := sc.v.at(s)
		if !ok {
			return false
		}
		if o.nocase {
			b = lower(b)
		}
		return b == sc.m.c.lit[o.a]
	case opMask, opSet:
		return sc.step(o, s) >= 0
	}
	return true
}

// firstSet is the set of bytes a match of part pd can start with (every
// byte when its first byte is not fixed by its first ops).
func (c *code) firstSet(pd partDesc) [4]uint64 {
	all := [4]uint64{^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0)}
	for _, o := range c.ops[pd.op0:pd.op1] {
		lo, hi := c.width(o)
		if hi == 0 {
			continue // a zero-width condition
		}
		if lo == 0 {
			return all // may consume nothing: the next op's byte counts too
		}
		switch o.kind {
		case opLit:
			return byteSet(sigfile.ByteMatch{Value: c.lit[o.a], Mask: 0xff}, o.nocase)
		case opMask:
			return maskSet(o.mask, o.val)
		case opSet:
			return c.sets[o.a]
		case opBound:
			return boundaryClass.set
		case opNonAlnum:
			return nonAlnumClass.set
		case opLine:
			return [4]uint64{1<<'\n' | 1<<'\r'}
		case opAlt:
			a := c.alts[o.a]
			if a.negate {
				return all
			}
			var set [4]uint64
			for _, it := range c.items[a.i0:a.i1] {
				for w, x := range byteSet(c.bms[it.b0], o.nocase) {
					set[w] |= x
				}
			}
			return set
		}
		return all
	}
	return all
}

// matchAt reports whether pattern p matches with part j starting at s.
func (sc *scan) matchAt(pi uint32, j uint32, s int64) bool {
	if s < 0 || s > sc.v.size || !sc.begin(pi) {
		return false
	}
	p := &sc.m.pats[pi]
	pd := &sc.m.c.parts[p.part0+j]
	leftDone, leftOK := false, false
	return sc.partEnds(pd, s, func(e int64) bool {
		if !leftDone {
			leftOK, leftDone = sc.leftTo(p, j, s), true
		}
		return leftOK && sc.rightFrom(p, j, e)
	})
}

// begin starts the verification of pattern pi: a new memo, and the range
// of starts its offset allows in this file (false: none).
func (sc *scan) begin(pi uint32) bool {
	sc.cur = pi
	if sc.memo.reset(); sc.memo.gen == 1 {
		// The first generation, or the counter wrapped: no span is current.
		clear(sc.lspans)
		clear(sc.rspans)
	}
	var ok bool
	sc.lo0, sc.hi0, ok = sc.startRange(sc.m.pats[pi].off)
	return ok
}

// endRange bounds where part pd of the pattern being verified can end:
// its distance from the pattern's start, from the offset's range of
// starts.
func (sc *scan) endRange(pd *partDesc) (lo, hi int64) {
	lo, hi = sc.lo0+int64(pd.preMin)+int64(pd.minW), math.MaxInt64
	if pd.preMax >= 0 {
		hi = sc.hi0 + int64(pd.preMax) + int64(pd.maxW)
	}
	return lo, hi
}

// memo keys: direction bit, part index, position.
func memoKey(right bool, j uint32, pos int64) uint64 {
	k := uint64(j)<<48 | uint64(pos)&(1<<48-1)
	if right {
		k |= 1 << 63
	}
	return k
}

func (sc *scan) memoGet(k uint64) (bool, bool) {
	v, ok := sc.memo.get(k)
	return v != 0, ok
}

// memoPut keeps what held: what did not is in the walk's noneSpan, and
// keeping every position a walk tried grew the table to the gap's width
// (196,608 for Win.Packed.Gandcrab-6552923-4), in every file.
func (sc *scan) memoPut(k uint64, r bool) {
	if r {
		sc.memo.put(k, 1)
	}
}

// rightFrom: given part j ended at e, can parts j+1.. follow?
func (sc *scan) rightFrom(p *pattern, j uint32, e int64) bool {
	if j+1 >= p.nparts {
		return true
	}
	pd := &sc.m.c.parts[p.part0+j]
	x := e + int64(pd.gapMin)
	if pd.gapMax < 0 {
		return sc.existsFrom(p, j+1, x)
	}
	hi := min(e+int64(pd.gapMax), sc.v.size)
	next := &sc.m.c.parts[p.part0+j+1]
	sp := sc.spanOf(&sc.rspans, j+1)
	s := x
	if sp.a <= x && x <= sp.b+1 {
		s = sp.b + 1 // no start of part j+1 in [x, sp.b] leads anywhere
	} else {
		sp.a, sp.b = x, x-1
	}
	for s <= hi {
		t := sc.nextStart(next, s, hi)
		sp.b = t - 1
		if t > hi {
			break
		}
		if sc.partThenRight(p, j+1, t, true) {
			return true
		}
		sp.b, s = t, t+1
	}
	return false
}

// noneSpan is a run of positions [a, b] known, in this verification, to
// hold no start (right side) or end (left side) of a part from which the
// rest of the chain follows. Walks over bounded gaps come in order (each
// next window overlaps the last), so the part of a window already walked
// is skipped: nested gaps of n positions cost n steps, not n*n.
type noneSpan struct {
	a, b int64
	gen  uint32
}

// spanOf returns the span of part j in spans for this verification.
func (sc *scan) spanOf(spans *[]noneSpan, j uint32) *noneSpan {
	if int(j) >= len(*spans) {
		*spans = append(*spans, make([]noneSpan, int(j)+1-len(*spans))...)
	}
	sp := &(*spans)[j]
	if sp.gen != sc.memo.gen {
		*sp = noneSpan{a: 1, b: 0, gen: sc.memo.gen} // empty
	}
	return sp
}

// partThenRight: part j matches at s and the parts after it follow. The
// result is memoized when asked: bounded gaps ask for overlapping ranges
// of positions; the walk of an unbounded gap asks for each position once,
// and memoizing it would fill the memo with the whole file.
func (sc *scan) partThenRight(p *pattern, j uint32, s int64, memo bool) bool {
	pd := &sc.m.c.parts[p.part0+j]
	if j+1 >= p.nparts {
		return sc.partEnds(pd, s, func(int64) bool { return true })
	}
	k := memoKey(true, j, s)
	if memo {
		if r, ok := sc.memoGet(k); ok {
			return r
		}
	}
	r := sc.partEnds(pd, s, func(e int64) bool { return sc.rightFrom(p, j, e) })
	if memo {
		sc.memoPut(k, r)
	}
	return r
}

// monoState caches what a scan learnt about one unbounded gap of one
// pattern. For the right side "a chain of parts j.. starts at or after x" is
// true below trueAt and false from falseFrom on; for the left side "a chain
// of parts ..j-1 ends at or before y" is true from trueFrom on and false up
// to falseUpTo.
type monoState struct {
	lo, hi int64 // right: trueAt, falseFrom; left: falseUpTo, trueFrom
}

// The kinds of monotone state: existsBefore's, existsFrom's, and the
// walks of countEnds over an unbounded gap.
const (
	monoLeft = iota
	monoRight
	monoCount
)

// monoGet returns the index in monos of pattern pi's state of one kind
// for part j. An index, not a pointer: verifying the rest of the chain may
// add states and move monos.
func (sc *scan) monoGet(pi uint32, j uint32, kind uint64) uint32 {
	k := uint64(pi)<<18 | uint64(j)<<2 | kind
	if i, ok := sc.mono.get(k); ok {
		return i
	}
	i := uint32(len(sc.monos))
	sc.mono.put(k, i)
	sc.monos = append(sc.monos, monoState{lo: -1, hi: 1 << 62})
	return i
}

// existsFrom: does a chain of parts j.. start at some s >= x?
func (sc *scan) existsFrom(p *pattern, j uint32, x int64) bool {
	st := sc.monoGet(sc.cur, j, monoRight)
	if x <= sc.monos[st].lo {
		return true
	}
	if x >= sc.monos[st].hi {
		return false
	}
	pd := &sc.m.c.parts[p.part0+j]
	end := min(sc.monos[st].hi, sc.v.size+1)
	for s := x; s < end; s++ {
		if s = sc.nextStart(pd, s, end-1); s >= end {
			break
		}
		if sc.partThenRight(p, j, s, false) {
			sc.monos[st].lo = max(sc.monos[st].lo, s)
			return true
		}
		if sc.v.err != nil {
			return false
		}
	}
	if sc.v.err != nil {
		return false
	}
	sc.monos[st].hi = x
	return false
}

// leftTo: can parts 0..j-1 be placed so that part j starts at s?
func (sc *scan) leftTo(p *pattern, j uint32, s int64) bool {
	if j == 0 {
		return sc.startOK(p, s)
	}
	prev := &sc.m.c.parts[p.part0+j-1]
	elo, ehi := sc.endRange(prev)
	y := min(s-int64(prev.gapMin), ehi)
	if prev.gapMax < 0 {
		return sc.existsBefore(p, j-1, y, elo)
	}
	lo := max(s-int64(prev.gapMax), elo, 0)
	sp := sc.spanOf(&sc.lspans, j-1)
	e := y
	if sp.a-1 <= y && y <= sp.b {
		e = sp.a - 1
	} else {
		sp.a, sp.b = y+1, y
	}
	for ; e >= lo; e-- {
		if w, ok := fixedWidth(prev); ok {
			t := sc.prevStart(prev, lo-w, e-w) + w
			sp.a = t + 1
			if e = t; e < lo {
				break
			}
		}
		// Part 0 has nothing left of it to recurse into: no memo.
		if sc.endsAt(p, j-1, e, j > 1) {
			return true
		}
		sp.a = e
	}
	return false
}

// fixedWidth returns the width of a part that has one.
func fixedWidth(pd *partDesc) (int64, bool) {
	return int64(pd.minW), pd.minW == pd.maxW
}

// endsAt: can part i end exactly at e with parts 0..i-1 before it? As
// partThenRight, memoized when asked.
func (sc *scan) endsAt(p *pattern, i uint32, e int64, memo bool) bool {
	k := memoKey(false, i, e)
	if memo {
		if r, ok := sc.memoGet(k); ok {
			return r
		}
	}
	pd := &sc.m.c.parts[p.part0+i]
	r := false
	lo, hi := e-int64(pd.maxW), e-int64(pd.minW)
	lo = max(lo, sc.lo0+int64(pd.preMin), 0)
	if pd.preMax >= 0 {
		hi = min(hi, sc.hi0+int64(pd.preMax))
	}
	for s := lo; s <= hi; s++ {
		if i == 0 && !sc.startOK(p, s) {
			continue
		}
		if sc.partMatches(pd, s, e) && sc.leftTo(p, i, s) {
			r = true
			break
		}
	}
	if memo {
		sc.memoPut(k, r)
	}
	return r
}

// existsBefore: can part i end at some e <= y with parts 0..i-1 before
// it? No end below elo can (endRange), so the walk stops there.
func (sc *scan) existsBefore(p *pattern, i uint32, y, elo int64) bool {
	st := sc.monoGet(sc.cur, i, monoLeft)
	if y >= sc.monos[st].hi {
		return true
	}
	lo := sc.monos[st].lo
	if y <= lo {
		return false
	}
	pd := &sc.m.c.parts[p.part0+i]
	lo = max(lo+1, elo, 0) // the lowest end to try
	for e := y; e >= lo; e-- {
		if w, ok := fixedWidth(pd); ok {
			if e = sc.prevStart(pd, lo-w, e-w) + w; e < lo {
				break
			}
		}
		if sc.endsAt(p, i, e, false) {
			sc.monos[st].hi = min(sc.monos[st].hi, e)
			return true
		}
		if sc.v.err != nil {
			return false
		}
	}
	if sc.v.err != nil {
		return false
	}
	sc.monos[st].lo = y
	return false
}

// startOK: may the pattern being verified start at s?
func (sc *scan) startOK(p *pattern, s int64) bool {
	if s < sc.lo0 || s > sc.hi0 {
		return false
	}
	if p.off.Kind == sigfile.OffVersionInfo {
		_, ok := slices.BinarySearch(sc.exe.vinfo, s)
		return ok
	}
	return true
}
