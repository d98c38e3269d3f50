package filetype

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// A pattern is a type signature found anywhere in a range of the content
// rather than at one offset: parts of byte classes joined by gaps, written
// in ClamAV's hex notation (hex pairs, "??", nibbles "a?" and "?a",
// one-byte alternatives "(aa|bb)", gaps "{n}", "{n-m}", "{-n}" and "*").
type pattern struct {
	parts [][]class
	gaps  []gap // gaps[i] lies between parts[i] and parts[i+1]
	// probe[i] is the rarest single byte of parts[i] and where in the part
	// it lies: a gap is searched for it with IndexByte rather than tried
	// at every offset. Searching for a part's first byte made the XML
	// signatures ("{0-1024}<Workbook") stop at every '<' of a document.
	probe []probe
}

// probe is one fixed byte of a part; off < 0 when the part has none.
type probe struct {
	off int
	b   byte
}

// class is the set of bytes one pattern position accepts.
type class [4]uint64

func (c *class) add(b byte)      { c[b>>6] |= 1 << (b & 63) }
func (c *class) has(b byte) bool { return c[b>>6]&(1<<(b&63)) != 0 }

// single returns the one byte c holds, or -1.
func (c *class) single() int {
	v := -1
	for b := range 256 {
		if c.has(byte(b)) {
			if v >= 0 {
				return -1
			}
			v = b
		}
	}
	return v
}

type gap struct{ min, max int } // max < 0: unbounded

// mustPattern parses a pattern of the built-in table; a bad one is a bug.
func mustPattern(s string) pattern {
	p, err := parsePattern(s)
	if err != nil {
		panic(fmt.Sprintf("filetype: pattern %q: %v", s, err))
	}
	return p
}

func parsePattern(s string) (pattern, error) {
	var p pattern
	var part []class
	endPart := func(g gap) {
		p.parts = append(p.parts, part)
		p.gaps = append(p.gaps, g)
		part = nil
	}
	for i := 0; i < len(s); {
		switch s[i] {
		case '*':
			endPart(gap{0, -1})
			i++
		case '{':
			j := strings.IndexByte(s[i:], '}')
			if j < 0 {
				return p, fmt.Errorf("unclosed {")
			}
			lo, hi, ok := strings.Cut(s[i+1:i+j], "-")
			g := gap{}
			var err error
			if lo != "" {
				if g.min, err = strconv.Atoi(lo); err != nil {
					return p, err
				}
			}
			switch {
			case !ok:
				g.max = g.min
			case hi == "":
				g.max = -1
			default:
				if g.max, err = strconv.Atoi(hi); err != nil {
					return p, err
				}
			}
			endPart(g)
			i += j + 1
		case '(':
			j := strings.IndexByte(s[i:], ')')
			if j < 0 {
				return p, fmt.Errorf("unclosed (")
			}
			var c class
			for _, alt := range strings.Split(s[i+1:i+j], "|") {
				v, err := strconv.ParseUint(alt, 16, 8)
				if err != nil || len(alt) != 2 {
					return p, fmt.Errorf("alternative %q", alt)
				}
				c.add(byte(v))
			}
			part = append(part, c)
			i += j + 1
		default:
			if i+2 > len(s) {
				return p, fmt.Errorf("odd number of hex digits")
			}
			c, err := hexClass(s[i : i+2])
			if err != nil {
				return p, err
			}
			part = append(part, c)
			i += 2
		}
	}
	p.parts = append(p.parts, part)
	for _, pt := range p.parts {
		if len(pt) == 0 {
			return p, fmt.Errorf("empty part")
		}
		p.probe = append(p.probe, rarest(pt))
	}
	return p, nil
}

// commonBytes are the bytes of text and markup, most common first, as an
// estimate (English letter frequencies, then XML's punctuation and upper
// case); bytes not listed are taken to be rarer than any listed.
const commonBytes = " \x00e<>t/a\"o=in:srh\nldcu-mwfgp.ybvk0123456789\r\t\xffSCADETIMPRWxjqzBFGHLNOUVKJQXYZ"

// rarest picks the fixed byte of part least common in commonBytes, the
// first such among equals.
func rarest(part []class) probe {
	best, rank := probe{off: -1}, len(commonBytes)+1
	for k := range part {
		b := part[k].single()
		if b < 0 {
			continue
		}
		r := strings.IndexByte(commonBytes, byte(b))
		if r < 0 {
			r = len(commonBytes)
		}
		if best.off < 0 || r > rank {
			best, rank = probe{k, byte(b)}, r
		}
	}
	return best
}

// hexClass reads "aa", "a?", "?a" or "??".
func hexClass(h string) (class, error) {
	var c class
	nib := func(x byte) (byte, byte, bool) { // value, mask
		switch {
		case x == '?':
			return 0, 0, true
		case '0' <= x && x <= '9':
			return x - '0', 0xf, true
		case 'a' <= x && x <= 'f':
			return x - 'a' + 10, 0xf, true
		case 'A' <= x && x <= 'F':
			return x - 'A' + 10, 0xf, true
		}
		return 0, 0, false
	}
	hv, hm, ok1 := nib(h[0])
	lv, lm, ok2 := nib(h[1])
	if !ok1 || !ok2 {
		return c, fmt.Errorf("bad hex %q", h)
	}
	val, mask := hv<<4|lv, hm<<4|lm
	for b := 0; b < 256; b++ {
		if byte(b)&mask == val {
			c.add(byte(b))
		}
	}
	return c, nil
}

// partAt reports whether part matches data at i.
func partAt(part []class, data []byte, i int) bool {
	if i < 0 || i+len(part) > len(data) {
		return false
	}
	for k := range part {
		if !part[k].has(data[i+k]) {
			return false
		}
	}
	return true
}

// matchAt reports whether p matches with its first part at start, and
// where the earliest-ending placement ends.
func (p *pattern) matchAt(data []byte, start int) (int, bool) {
	if !partAt(p.parts[0], data, start) {
		return 0, false
	}
	return p.rest(data, 1, start+len(p.parts[0]))
}

// rest places parts[k:] after position at, trying every gap length in
// turn; the patterns of the table have at most three parts.
func (p *pattern) rest(data []byte, k, at int) (int, bool) {
	if k == len(p.parts) {
		return at, true
	}
	g := p.gaps[k-1]
	hi := len(data) - len(p.parts[k])
	if g.max >= 0 {
		hi = min(hi, at+g.max)
	}
	pr := p.probe[k]
	for s := at + g.min; s <= hi; s++ {
		if pr.off >= 0 {
			j := bytes.IndexByte(data[s+pr.off:hi+pr.off+1], pr.b)
			if j < 0 {
				break
			}
			s += j
		}
		if partAt(p.parts[k], data, s) {
			if end, ok := p.rest(data, k+1, s+len(p.parts[k])); ok {
				return end, true
			}
		}
	}
	return 0, false
}
