package matcher

import (
	"fmt"

	"github.com/sigtool/sigtool/sigfile"
)

// mergeGap is ClamAV's limit for expanding {n} in place: shorter fixed gaps
// become n "??" inside the part, longer ones split the pattern. It matters
// only for (B)/(L)/(W), which act as edge conditions at a part's ends.
const mergeGap = 128

// maxPart bounds the bytes one part may span. It keeps verification work per
// candidate bounded; ClamAV's own limits are far smaller.
const maxPart = 1 << 16

// mods are the ldb subsignature modifiers that change the compiled form.
type mods struct {
	nocase, wide, fullword bool
}

// compile appends pat to c and returns the index of its first part and the
// number of parts.
func (c *code) compile(pat sigfile.Pattern, m mods) (uint32, uint32, error) {
	if len(pat.Parts) == 0 {
		return 0, 0, fmt.Errorf("%w: empty pattern", ErrBadSignature)
	}
	if len(pat.Gaps) != len(pat.Parts)-1 {
		return 0, 0, fmt.Errorf("%w: %d parts but %d gaps", ErrBadSignature, len(pat.Parts), len(pat.Gaps))
	}
	if m.wide {
		pat = widen(pat)
	}
	// Merge parts across short fixed gaps, as ClamAV expands them.
	type seg struct {
		elems []sigfile.Elem
		skips map[int]int // skip n bytes before elems[i]
	}
	segs := []seg{{elems: pat.Parts[0]}}
	var gaps []sigfile.Gap
	for i, g := range pat.Gaps {
		if g.Min < 0 || (g.Max >= 0 && g.Max < g.Min) {
			return 0, 0, fmt.Errorf("%w: bad gap {%d-%d}", ErrBadSignature, g.Min, g.Max)
		}
		next := pat.Parts[i+1]
		if g.Min == g.Max && g.Min < mergeGap {
			s := &segs[len(segs)-1]
			if s.skips == nil {
				s.skips = map[int]int{}
			}
			s.skips[len(s.elems)] += g.Min
			s.elems = append(s.elems[:len(s.elems):len(s.elems)], next...)
			continue
		}
		gaps = append(gaps, g)
		segs = append(segs, seg{elems: next})
	}
	part0 := uint32(len(c.parts))
	for si, s := range segs {
		if len(s.elems) == 0 {
			return 0, 0, fmt.Errorf("%w: empty part %d", ErrBadSignature, si)
		}
		var b partBuilder
		b.c = c
		b.run = c.run[:0]
		b.nocase = m.nocase
		b.op0 = uint32(len(c.ops))
		if m.fullword && si == 0 {
			if m.wide {
				b.emit(op{kind: opWideWordBefore})
			} else {
				b.emit(op{kind: opWordBefore})
			}
		}
		last := len(s.elems) - 1
		for i, e := range s.elems {
			if n := s.skips[i]; n > 0 {
				b.skip(n)
			}
			if err := b.elem(e, i == 0 && s.skips[0] == 0, i == last); err != nil {
				return 0, 0, fmt.Errorf("part %d: %w", si, err)
			}
		}
		if n := s.skips[len(s.elems)]; n > 0 {
			b.skip(n)
		}
		if m.fullword && si == len(segs)-1 {
			if m.wide {
				b.emit(op{kind: opWideWordAfter})
			} else {
				b.emit(op{kind: opWordAfter})
			}
		}
		b.flush()
		c.run = b.run[:0]
		pd := partDesc{op0: b.op0, op1: uint32(len(c.ops)), det: true}
		for _, o := range c.ops[pd.op0:pd.op1] {
			if o.kind == opAlt && c.alts[o.a].minW != c.alts[o.a].maxW {
				pd.det = false
			}
			lo, hi := c.width(o)
			pd.minW += int32(lo)
			pd.maxW += int32(hi)
		}
		if pd.maxW > maxPart {
			return 0, 0, fmt.Errorf("%w: part %d spans more than %d bytes", ErrBadSignature, si, maxPart)
		}
		if si < len(gaps) {
			pd.gapMin, pd.gapMax = int32(gaps[si].Min), int32(gaps[si].Max)
			if gaps[si].Max < 0 {
				pd.gapMax = -1
			}
		}
		if si > 0 {
			prev := &c.parts[len(c.parts)-1]
			pd.preMin = satAdd(prev.preMin, prev.minW, prev.gapMin)
			pd.preMax = -1
			if prev.preMax >= 0 && prev.gapMax >= 0 {
				pd.preMax = satAdd(prev.preMax, prev.maxW, prev.gapMax)
			}
		}
		c.parts = push(c.parts, pd)
	}
	return part0, uint32(len(segs)), nil
}

// satAdd adds distances, saturating at 1<<30; as a preMax, that reads as
// unbounded (-1).
func satAdd(a, b, c int32) int32 {
	if s := int64(a) + int64(b) + int64(c); s < 1<<30 {
		return int32(s)
	}
	return -1
}

// partBuilder turns the elements of one part into ops, joining runs of
// fixed bytes into one opLit and runs of "??" into one opSkip.
type partBuilder struct {
	c      *code
	nocase bool
	op0    uint32
	run    []byte // pending fixed bytes
	skipN  int    // pending skipped bytes
}

func (b *partBuilder) flush() {
	if len(b.run) > 0 {
		b.c.ops = push(b.c.ops, op{kind: opLit, nocase: b.nocase, a: uint32(len(b.c.lit)), n: uint32(len(b.run))})
		b.c.lit = pushAll(b.c.lit, b.run...)
		b.run = b.run[:0]
	}
	if b.skipN > 0 {
		b.c.ops = push(b.c.ops, op{kind: opSkip, n: uint32(b.skipN)})
		b.skipN = 0
	}
}

func (b *partBuilder) emit(o op) {
	b.flush()
	b.c.ops = push(b.c.ops, o)
}

func (b *partBuilder) skip(n int) {
	if len(b.run) > 0 {
		b.flush()
	}
	b.skipN += n
}

func (b *partBuilder) elem(e sigfile.Elem, first, last bool) error {
	switch e.Kind {
	case sigfile.ElemByte:
		switch {
		case e.Byte.Mask == 0xff:
			if b.skipN > 0 {
				b.flush()
			}
			v := e.Byte.Value
			if b.nocase {
				v = lower(v)
			}
			b.run = append(b.run, v)
		case e.Byte.Mask == 0:
			b.skip(1)
		default:
			b.emit(op{kind: opMask, val: e.Byte.Value & e.Byte.Mask, mask: e.Byte.Mask})
		}
		return nil
	case sigfile.ElemAlt:
		return b.alt(e)
	case sigfile.ElemBoundary, sigfile.ElemLineEnd, sigfile.ElemNonAlnum:
		// At a part's edge these test the neighbouring byte (or the file
		// edge); inside a part they consume one byte.
		kinds := edgeOps[e.Kind]
		switch {
		case first:
			b.emit(op{kind: kinds[0]})
		case last:
			b.emit(op{kind: kinds[1]})
		default:
			b.emit(op{kind: kinds[2]})
		}
		return nil
	}
	return fmt.Errorf("%w: unknown element kind %d", ErrBadSignature, e.Kind)
}

// edgeOps gives the op of (B), (L) and (W) first in a part, last in a
// part, and inside it.
var edgeOps = map[sigfile.ElemKind][3]opKind{
	sigfile.ElemBoundary: {opBoundBefore, opBoundAfter, opBound},
	sigfile.ElemLineEnd:  {opLineBefore, opLineAfter, opLine},
	sigfile.ElemNonAlnum: {opWordBefore, opWordAfter, opNonAlnum},
}

func (b *partBuilder) alt(e sigfile.Elem) error {
	if len(e.Alts) == 0 {
		return fmt.Errorf("%w: empty alternative", ErrBadSignature)
	}
	minW, maxW := len(e.Alts[0]), len(e.Alts[0])
	for _, a := range e.Alts {
		minW, maxW = min(minW, len(a)), max(maxW, len(a))
	}
	if maxW == 1 && minW == 1 {
		var set [4]uint64
		for _, a := range e.Alts {
			for i, w := range byteSet(a[0], b.nocase) {
				set[i] |= w
			}
		}
		if e.Negate {
			for i := range set {
				set[i] = ^set[i]
			}
		}
		b.emit(op{kind: opSet, a: uint32(len(b.c.sets))})
		b.c.sets = push(b.c.sets, set)
		return nil
	}
	if e.Negate && minW != maxW {
		return fmt.Errorf("%w: negated alternatives of different lengths", ErrBadSignature)
	}
	if e.Negate && minW == 0 {
		return fmt.Errorf("%w: negated empty alternative", ErrBadSignature)
	}
	d := altDesc{i0: uint32(len(b.c.items)), negate: e.Negate, minW: int32(minW), maxW: int32(maxW)}
	for _, a := range e.Alts {
		b.c.items = push(b.c.items, altItem{b0: uint32(len(b.c.bms)), n: uint32(len(a))})
		b.c.bms = pushAll(b.c.bms, a...)
	}
	d.i1 = uint32(len(b.c.items))
	b.emit(op{kind: opAlt, nocase: b.nocase, a: uint32(len(b.c.alts))})
	b.c.alts = push(b.c.alts, d)
	return nil
}

// widen rewrites a pattern for the ldb "w" modifier: every character is
// followed by a NUL byte and gaps count twice as many bytes.
func widen(p sigfile.Pattern) sigfile.Pattern {
	nul := sigfile.Elem{Kind: sigfile.ElemByte, Byte: sigfile.ByteMatch{Value: 0, Mask: 0xff}}
	out := sigfile.Pattern{Parts: make([][]sigfile.Elem, len(p.Parts)), Gaps: make([]sigfile.Gap, len(p.Gaps))}
	for i, part := range p.Parts {
		var np []sigfile.Elem
		for _, e := range part {
			switch {
			case e.Kind == sigfile.ElemByte:
				np = append(np, e, nul)
			case e.Kind == sigfile.ElemAlt && allLen1(e.Alts):
				np = append(np, e, nul)
			case e.Kind == sigfile.ElemAlt:
				w := sigfile.Elem{Kind: sigfile.ElemAlt, Negate: e.Negate}
				for _, a := range e.Alts {
					var wa []sigfile.ByteMatch
					for _, bm := range a {
						wa = append(wa, bm, nul.Byte)
					}
					w.Alts = append(w.Alts, wa)
				}
				np = append(np, w)
			default:
				np = append(np, e)
			}
		}
		out.Parts[i] = np
	}
	for i, g := range p.Gaps {
		out.Gaps[i] = sigfile.Gap{Min: 2 * g.Min, Max: g.Max}
		if g.Max >= 0 {
			out.Gaps[i].Max = 2 * g.Max
		}
	}
	return out
}

func allLen1(alts [][]sigfile.ByteMatch) bool {
	for _, a := range alts {
		if len(a) != 1 {
			return false
		}
	}
	return true
}

func lower(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

func upper(b byte) byte {
	if 'a' <= b && b <= 'z' {
		return b - ('a' - 'A')
	}
	return b
}

func isAlnum(b byte) bool {
	return ('0' <= b && b <= '9') || ('a' <= b && b <= 'z') || ('A' <= b && b <= 'Z')
}

// boundary is ClamAV's table of word-boundary bytes (libclamav/matcher-ac.c):
// bit 1 may precede a word, bit 2 may follow one; any nonzero value is a
// boundary inside a pattern.
var boundary = [256]byte{
	'\n': 2, '\r': 2, ' ': 3, '"': 2, '\'': 2, '-': 3, '.': 1, '/': 3,
	'<': 1, '=': 2, '>': 2, '@': 1, '_': 3,
}
