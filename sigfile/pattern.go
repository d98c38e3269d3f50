package sigfile

import (
	"fmt"
)

// Limits on what one pattern may expand to. ClamAV has no explicit cap on
// alternatives; ours only bounds the work a hostile line can cause when
// nested groups multiply out.
const (
	maxAltNest   = 15      // ACPATT_ALTN_MAXNEST: nesting depth of (..(..)..)
	maxAlts      = 1024    // alternatives of one group after expansion
	maxAltBytes  = 1 << 16 // byte matches of one group after expansion
	maxGap       = 1<<31 - 1
	maxCharDist  = 32  // AC_CH_MAXDIST: y in [x-y]
	maxExpandGap = 127 // {n} with 0 < n < 128 is n "??" to ClamAV
)

// gapSyntax records how a gap was written, which decides how ClamAV splits
// the pattern (and so which length rules apply); the Pattern value itself
// only keeps the numbers.
type gapSyntax uint8

const (
	gapStar    gapSyntax = iota // *
	gapBrace                    // {n-m}, {-n}, {n-}: splits the pattern
	gapBraceN                   // {n}: splits only when n is 0 or >= 128
	gapBracket                  // [n-m]: a single byte at n..m bytes' distance
)

// patParser is the state of one ParsePattern call.
type patParser struct {
	s     string
	i     int
	parts [][]Elem
	gaps  []Gap
	syn   []gapSyntax
	cols  []int // 1-based column where each part starts
	start int
	// elems backs every part: each element takes at least two characters,
	// so len(s)/2 always suffices and parts are carved out of one
	// allocation. cur is the index in elems where the current part starts.
	elems []Elem
	cur   int
}

// ParsePattern parses the hex field of a body signature or subsignature.
// Bytes are "aa", "a?", "?a" or "??"; "(B)", "(L)", "(W)" are character
// classes; "(aa|bbcc|d?)" and "!(aa|bb)" are alternatives (nested groups
// are multiplied out). Gaps split the pattern into parts: "*" is Gap{0, -1},
// "{n}" Gap{n, n}, "{-n}" Gap{0, n}, "{n-}" Gap{n, -1}, "{n-m}" and "[n-m]"
// Gap{n, m}. It applies every check of ClamAV's loader that depends on the
// pattern alone, including the length rules described in check.go; the
// Boyer-Moore minimum, which depends on target and offset, is ParseLine's.
func ParsePattern(hex string) (Pattern, error) {
	p := patParser{s: hex}
	if err := p.parse(); err != nil {
		return Pattern{}, err
	}
	if err := p.check(); err != nil {
		return Pattern{}, err
	}
	return Pattern{Parts: p.parts, Gaps: p.gaps}, nil
}

func (p *patParser) errorf(col int, format string, args ...any) error {
	return fmt.Errorf("%w: "+format+" at column %d", append([]any{ErrPattern}, append(args, col)...)...)
}

func (p *patParser) parse() error {
	if p.s == "" {
		return fmt.Errorf("%w: empty", ErrPattern)
	}
	p.elems = make([]Elem, 0, len(p.s)/2)
	for p.i < len(p.s) {
		c := p.s[p.i]
		if p.curLen() == 0 {
			p.start = p.i
		}
		switch {
		case isHexOrWild(c):
			b, err := p.byteAt(p.i)
			if err != nil {
				return err
			}
			p.add(Elem{Kind: ElemByte, Byte: b})
			p.i += 2
		case c == '*':
			if err := p.endPart(Gap{0, -1}, gapStar); err != nil {
				return err
			}
			p.i++
		case c == '{':
			g, syn, err := p.braceGap()
			if err != nil {
				return err
			}
			// ClamAV writes {n} out as n "??" before it cuts a pattern, so
			// one at either end of the pattern is n wildcard bytes there.
			if syn == gapBraceN && g.Min >= 1 && g.Min <= maxExpandGap &&
				((len(p.parts) == 0 && p.curLen() == 0) || p.i == len(p.s)) {
				for range g.Min {
					p.add(Elem{Kind: ElemByte})
				}
				continue
			}
			if err := p.endPart(g, syn); err != nil {
				return err
			}
		case c == '[':
			g, err := p.bracketGap()
			if err != nil {
				return err
			}
			if err := p.endPart(g, gapBracket); err != nil {
				return err
			}
		case c == '!':
			if p.i+1 >= len(p.s) || p.s[p.i+1] != '(' {
				return p.errorf(p.i+1, "'!' not followed by '('")
			}
			p.i++
			if err := p.group(true); err != nil {
				return err
			}
		case c == '(':
			if err := p.group(false); err != nil {
				return err
			}
		case c == ')' || c == '|' || c == '}' || c == ']':
			return p.errorf(p.i+1, "unbalanced %q", c)
		default:
			return p.errorf(p.i+1, "bad character %q", c)
		}
	}
	if p.curLen() == 0 {
		return p.errorf(len(p.s), "pattern ends with a gap")
	}
	p.parts = append(p.parts, p.elems[p.cur:len(p.elems):len(p.elems)])
	p.cols = append(p.cols, p.start+1)
	return nil
}

func (p *patParser) curLen() int { return len(p.elems) - p.cur }

// add appends an element to the current part.
func (p *patParser) add(e Elem) { p.elems = append(p.elems, e) }

func isHexOrWild(c byte) bool { return c == '?' || hexNibble[c] <= 15 }

// byteAt parses the two-character byte token at i: "aa", "a?", "?a", "??".
func (p *patParser) byteAt(i int) (ByteMatch, error) {
	if i+1 >= len(p.s) || !isHexOrWild(p.s[i+1]) {
		if i+1 < len(p.s) && !isSyntaxChar(p.s[i+1]) {
			return ByteMatch{}, p.errorf(i+2, "bad character %q", p.s[i+1])
		}
		return ByteMatch{}, p.errorf(i+1, "odd number of hex digits")
	}
	var b ByteMatch
	if hi := p.s[i]; hi != '?' {
		b.Value, b.Mask = hexNibble[hi]<<4, 0xf0
	}
	if lo := p.s[i+1]; lo != '?' {
		b.Value |= hexNibble[lo]
		b.Mask |= 0x0f
	}
	return b, nil
}

func isSyntaxChar(c byte) bool {
	switch c {
	case '*', '{', '}', '[', ']', '(', ')', '|', '!':
		return true
	}
	return false
}

// endPart closes the current part at a gap.
func (p *patParser) endPart(g Gap, syn gapSyntax) error {
	if p.curLen() == 0 {
		if len(p.parts) == 0 {
			return p.errorf(p.i+1, "pattern starts with a gap")
		}
		return p.errorf(p.i+1, "two gaps with nothing between them")
	}
	p.parts = append(p.parts, p.elems[p.cur:len(p.elems):len(p.elems)])
	p.cols = append(p.cols, p.start+1)
	p.gaps = append(p.gaps, g)
	p.syn = append(p.syn, syn)
	p.cur = len(p.elems)
	return nil
}

// closeAt returns the index of c at or after i, or -1.
func (p *patParser) closeAt(i int, c byte) int {
	for j := i; j < len(p.s); j++ {
		if p.s[j] == c {
			return j
		}
	}
	return -1
}

// braceGap parses "{n}", "{-n}", "{n-}" or "{n-m}" at p.i and moves past it.
func (p *patParser) braceGap() (Gap, gapSyntax, error) {
	col := p.i + 1
	end := p.closeAt(p.i+1, '}')
	if end < 0 {
		return Gap{}, 0, p.errorf(col, "'{' without '}'")
	}
	body := p.s[p.i+1 : end]
	p.i = end + 1
	lo, hi, dash, err := p.rangeNums(body, col)
	if err != nil {
		return Gap{}, 0, err
	}
	switch {
	case !dash:
		return Gap{lo, lo}, gapBraceN, nil
	case lo < 0 && hi < 0:
		return Gap{}, 0, p.errorf(col, "empty range {-}")
	case lo < 0:
		return Gap{0, hi}, gapBrace, nil
	case hi < 0:
		return Gap{lo, -1}, gapBrace, nil
	case lo > hi:
		return Gap{}, 0, p.errorf(col, "range {%d-%d} has minimum above maximum", lo, hi)
	}
	return Gap{lo, hi}, gapBrace, nil
}

// bracketGap parses "[n-m]" (or "[n]") at p.i and moves past it.
func (p *patParser) bracketGap() (Gap, error) {
	col := p.i + 1
	end := p.closeAt(p.i+1, ']')
	if end < 0 {
		return Gap{}, p.errorf(col, "'[' without ']'")
	}
	body := p.s[p.i+1 : end]
	p.i = end + 1
	lo, hi, dash, err := p.rangeNums(body, col)
	if err != nil {
		return Gap{}, err
	}
	if !dash {
		hi = lo
	}
	if lo < 0 || hi < 0 {
		return Gap{}, p.errorf(col, "[x-y] needs both bounds")
	}
	if lo > hi {
		return Gap{}, p.errorf(col, "range [%d-%d] has minimum above maximum", lo, hi)
	}
	if hi > maxCharDist {
		return Gap{}, p.errorf(col, "range [%d-%d] exceeds the maximum distance %d", lo, hi, maxCharDist)
	}
	return Gap{lo, hi}, nil
}

// rangeNums parses "n", "-n", "n-" or "n-m"; a missing bound is -1.
func (p *patParser) rangeNums(body string, col int) (lo, hi int, dash bool, err error) {
	a, b, dash := cutByte(body, '-')
	num := func(t string) (int, error) {
		if t == "" && dash {
			return -1, nil
		}
		v, ok := parseUint(t, maxGap)
		if !ok {
			return 0, p.errorf(col, "bad range %q", body)
		}
		return int(v), nil
	}
	if lo, err = num(a); err != nil {
		return
	}
	if dash {
		hi, err = num(b)
	}
	return
}

func cutByte(s string, c byte) (before, after string, found bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}
