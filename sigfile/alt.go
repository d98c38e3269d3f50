package sigfile

// group parses "(...)" at p.i (p.i at the '('): a character class (B), (L),
// (W), or a group of alternatives. Nested groups are multiplied out into
// flat alternatives, and {n} (0 < n < 128) inside a group becomes n "??",
// as ClamAV expands it before splitting; any other gap inside a group is an
// error.
func (p *patParser) group(negate bool) error {
	col := p.i + 1
	if p.i+2 < len(p.s) && p.s[p.i+2] == ')' {
		kind := ElemByte
		switch p.s[p.i+1] {
		case 'B':
			kind = ElemBoundary
		case 'L':
			kind = ElemLineEnd
		case 'W':
			kind = ElemNonAlnum
		}
		if kind != ElemByte {
			if negate {
				return p.errorf(col-1, "'!' applies only to alternatives, not to (%c)", p.s[p.i+1])
			}
			p.add(Elem{Kind: kind})
			p.i += 3
			return nil
		}
	}
	p.i++
	alts, nested, err := p.alternatives(col, 1)
	if err != nil {
		return err
	}
	if negate {
		if nested {
			return p.errorf(col-1, "negated alternatives cannot contain groups")
		}
		for _, a := range alts {
			if len(a) != len(alts[0]) {
				return p.errorf(col-1, "negated alternatives must all have the same length")
			}
			for _, b := range a {
				if b.Mask != 0xff {
					return p.errorf(col-1, "negated alternatives cannot contain wildcards")
				}
			}
		}
	}
	p.add(Elem{Kind: ElemAlt, Alts: alts, Negate: negate})
	return nil
}

// alternatives parses up to and including the ')' closing the group opened
// at column col, with p.i just past its '('.
func (p *patParser) alternatives(col, depth int) (alts [][]ByteMatch, nested bool, err error) {
	if depth > maxAltNest {
		return nil, false, p.errorf(col, "alternatives nested deeper than %d", maxAltNest)
	}
	cur := [][]ByteMatch{nil} // the current alternative, multiplied out
	size := 0
	for {
		if p.i >= len(p.s) {
			return nil, false, p.errorf(col, "'(' without ')'")
		}
		c := p.s[p.i]
		switch {
		case c == '|' || c == ')':
			for _, a := range cur {
				if len(a) == 0 {
					return nil, false, p.errorf(p.i+1, "empty alternative")
				}
			}
			alts = append(alts, cur...)
			p.i++
			if c == ')' {
				return alts, nested, nil
			}
			cur = [][]ByteMatch{nil}
			continue
		case isHexOrWild(c):
			b, err := p.byteAt(p.i)
			if err != nil {
				return nil, false, err
			}
			for k := range cur {
				cur[k] = append(cur[k], b)
			}
			size += len(cur)
			p.i += 2
		case c == '{':
			gcol := p.i + 1
			g, syn, err := p.braceGap()
			if err != nil {
				return nil, false, err
			}
			if syn != gapBraceN || g.Min < 1 || g.Min > maxExpandGap {
				return nil, false, p.errorf(gcol, "only {n} with 0 < n < 128 is allowed inside alternatives")
			}
			for k := range cur {
				for n := 0; n < g.Min; n++ {
					cur[k] = append(cur[k], ByteMatch{})
				}
			}
			size += len(cur) * g.Min
		case c == '(':
			nested = true
			sub, _, err := p.alternativesAt(depth + 1)
			if err != nil {
				return nil, false, err
			}
			if len(cur)*len(sub) > maxAlts {
				return nil, false, p.errorf(col, "more than %d alternatives", maxAlts)
			}
			next := make([][]ByteMatch, 0, len(cur)*len(sub))
			for _, pre := range cur {
				for _, s := range sub {
					a := make([]ByteMatch, 0, len(pre)+len(s))
					next = append(next, append(append(a, pre...), s...))
					size += len(pre) + len(s)
				}
			}
			cur = next
		case c == '!':
			return nil, false, p.errorf(p.i+1, "negation inside alternatives")
		case c == '*' || c == '[':
			return nil, false, p.errorf(p.i+1, "%q is not allowed inside alternatives", c)
		default:
			return nil, false, p.errorf(p.i+1, "bad character %q", c)
		}
		if len(alts)+len(cur) > maxAlts {
			return nil, false, p.errorf(col, "more than %d alternatives", maxAlts)
		}
		if size > maxAltBytes {
			return nil, false, p.errorf(col, "alternatives expand to more than %d bytes", maxAltBytes)
		}
	}
}

// alternativesAt parses a nested group at p.i (at its '(').
func (p *patParser) alternativesAt(depth int) ([][]ByteMatch, bool, error) {
	col := p.i + 1
	p.i++
	return p.alternatives(col, depth)
}
