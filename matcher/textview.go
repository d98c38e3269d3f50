package matcher

import "context"

// ForNormalizedText returns a Matcher for text in ClamAV's normalised
// form (libclamav/textnorm.c; the scan engine's textnorm.go), to be given
// only such content with an info of type TextASCII and Normalized set.
// Normalised text holds only bytes 0x20-0x7f, no upper-case letter and no
// two spaces in a row, so a body pattern that needs any other byte (a
// control or high byte, an upper-case letter outside a nocase part, a
// line end, two spaces) can never match it, nor can one whose target is
// not generic or 7. The Matcher returned shares m's segments and searches
// only for the other patterns: its verdicts on such content are m's.
//
// It is built on each call (the filter over the patterns kept; memory for
// their few tiers and a flag per pattern): callers build it once per m.
func (m *Matcher) ForNormalizedText(ctx context.Context) (*Matcher, error) {
	segs := make([]*Segment, len(m.segs))
	for i, s := range m.segs {
		segs[i] = s.textView()
	}
	t, err := Combine(ctx, segs...)
	if err != nil {
		return nil, err
	}
	t.chunk = m.chunk
	return t, nil
}

// textView is s without the patterns that cannot match normalised text,
// and without hash sets: normalised content is matched by body and
// logical signatures only (Match computes no digest for it).
func (s *Segment) textView() *Segment {
	v := *s
	v.hash, v.sect, v.allow = [3]hashSet{}, [3]hashSet{}, [3]hashSet{}
	keep := make([]bool, len(s.pats))
	for pi := range s.pats {
		p := &s.pats[pi]
		keep[pi] = (p.target == 0 || p.target == 7) && s.c.canMatchText(p)
	}
	v.filtered = make([]bool, len(s.filtered))
	for pi, f := range s.filtered {
		v.filtered[pi] = f && keep[pi]
	}
	v.short = nil
	for _, r := range s.short {
		if keep[uint32(r)] {
			v.short = append(v.short, r)
		}
	}
	var direct []directPat
	for _, d := range s.directs.pats {
		if keep[d.pi] {
			direct = append(direct, d)
		}
	}
	v.directs = newDirectSet(direct)
	v.slow, v.slowFirst = nil, nil
	for k, pi := range s.slow {
		if keep[pi] {
			v.slow = append(v.slow, pi)
			v.slowFirst = append(v.slowFirst, s.slowFirst[k])
		}
	}
	v.runs = nil
	for _, g := range s.runs {
		for _, rp := range g.pats {
			if keep[rp.pi] {
				v.runs = addRun(v.runs, rp.pi, g.needle[0], rp.n)
			}
		}
	}
	return &v
}

// textBytes is what normalised text is made of: 0x20-0x7f without 'A'-'Z'.
var textBytes = func() (set [4]uint64) {
	for c := 0x20; c < 0x80; c++ {
		if c < 'A' || c > 'Z' {
			set[c>>6] |= 1 << (c & 63)
		}
	}
	return set
}()

// spaceOnly is the set holding ' ' alone.
var spaceOnly = [4]uint64{1 << ' '}

// canMatchText reports whether pattern p may match somewhere in
// normalised text. It answers false only when some byte that every match
// holds is outside textBytes, or two bytes in a row can only be spaces;
// what it cannot tell (alternatives of several lengths, negations) it
// takes to be possible.
func (c *code) canMatchText(p *pattern) bool {
	for k := range p.nparts {
		pd := c.parts[p.part0+k]
		// prevSpace: the byte just before can only be a space.
		prevSpace := false
		for _, o := range c.ops[pd.op0:pd.op1] {
			var set [4]uint64
			switch o.kind {
			case opLit:
				for _, v := range c.lit[o.a : o.a+o.n] {
					var set [4]uint64
					set[v>>6] = 1 << (v & 63)
					if o.nocase {
						l := lower(v)
						set[l>>6] |= 1 << (l & 63)
					}
					if !textPos(set, &prevSpace) {
						return false
					}
				}
				continue
			case opMask:
				set = maskSet(o.mask, o.val)
			case opSet:
				set = c.sets[o.a]
				if o.nocase {
					set = foldSet(set)
				}
			case opBound:
				set = boundaryClass.set
			case opNonAlnum:
				set = nonAlnumClass.set
			case opLine:
				return false // it consumes an LF, which normalised text has none of
			case opAlt:
				if !c.altCanMatchText(c.alts[o.a], o.nocase) {
					return false
				}
				prevSpace = false
				continue
			case opSkip:
				prevSpace = false
				continue
			default:
				continue // zero-width conditions: the bytes around stay adjacent
			}
			if !textPos(set, &prevSpace) {
				return false
			}
		}
	}
	return true
}

// textPos checks one byte position of class set after a position that
// could only be a space (*prevSpace), and updates *prevSpace.
func textPos(set [4]uint64, prevSpace *bool) bool {
	var in [4]uint64
	some := false
	for i := range set {
		in[i] = set[i] & textBytes[i]
		some = some || in[i] != 0
	}
	only := in == spaceOnly
	if !some || (only && *prevSpace) {
		return false
	}
	*prevSpace = only
	return true
}

// altCanMatchText reports whether some item of a may match normalised
// text; a negated alternative is taken to be possible.
func (c *code) altCanMatchText(a altDesc, nocase bool) bool {
	if a.negate {
		return true
	}
	for _, it := range c.items[a.i0:a.i1] {
		ok, prevSpace := true, false
		for _, bm := range c.bms[it.b0 : it.b0+it.n] {
			set := byteSet(bm, nocase)
			if !textPos(set, &prevSpace) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// foldSet adds the lower case of every upper-case letter of set.
func foldSet(set [4]uint64) [4]uint64 {
	for v := 'A'; v <= 'Z'; v++ {
		if set[v>>6]&(1<<(v&63)) != 0 {
			l := v + 'a' - 'A'
			set[l>>6] |= 1 << (l & 63)
		}
	}
	return set
}
