package sigfile

import "fmt"

// The length rules, from ClamAV's loader (readdb.c, matcher-ac.c):
//
// ClamAV cuts a pattern at "*" and at every {..} gap except {n} with
// 0 < n < 128, which it expands to n "??" instead. Each piece is one
// Aho-Corasick pattern and must contain two consecutive fixed bytes (no
// wildcard, nibble or alternative) to seed the trie (minimum trie depth 2).
// Inside a piece, "aa[x-y]HEX" and "HEX[x-y]aa" attach a single byte at
// x..y bytes' distance: at most one such byte at each end of the piece, and
// the rest of the piece must satisfy the rule above.
//
// We apply exactly that rule, with one leniency: ClamAV only expands the
// {n} gaps that come before the first non-expandable {..} of a pattern (it
// re-scans for the first '{' each time), so after a {n-m} a later {5} also
// cuts. We always expand {n}; real feeds are checked by ClamAV already, and
// the lenient reading matches ClamAV's documentation.
//
// The Boyer-Moore minimum of 3 bytes for plain patterns depends on the
// target and offset and is checked by ParseLine.

// expands reports whether gap i does not cut the pattern for ClamAV.
func (p *patParser) expands(i int) bool {
	switch p.syn[i] {
	case gapBracket:
		return true
	case gapBraceN:
		return p.gaps[i].Min >= 1 && p.gaps[i].Min <= maxExpandGap
	}
	return false
}

// check applies the length rules to each piece of the pattern.
func (p *patParser) check() error {
	first := 0
	for i := 0; i <= len(p.gaps); i++ {
		if i == len(p.gaps) || !p.expands(i) {
			if err := p.checkPiece(first, i); err != nil {
				return err
			}
			first = i + 1
		}
	}
	return nil
}

// checkPiece checks parts a..b (inclusive) joined by non-cutting gaps.
func (p *patParser) checkPiece(a, b int) error {
	lo, hi := a, b
	if b > a && p.syn[a] == gapBracket && singleByte(p.parts[a]) {
		lo = a + 1 // leading "aa[x-y]"
	}
	if b-1 >= lo && p.syn[b-1] == gapBracket && singleByte(p.parts[b]) {
		hi = b - 1 // trailing "[x-y]aa"
	}
	for g := lo; g < hi; g++ {
		if p.syn[g] == gapBracket {
			return p.errorf(p.cols[g+1]-1, "[x-y] needs a single byte on one side and at least two bytes on the other, at most once at each end of a piece")
		}
	}
	if !hasFixedRun(p.parts[lo : hi+1]) {
		return fmt.Errorf("%w: piece at column %d has no two consecutive fixed bytes", ErrTooShort, p.cols[lo])
	}
	return nil
}

// singleByte reports whether a part is one plain byte token, the only thing
// that may sit on the short side of [x-y].
func singleByte(part []Elem) bool {
	return len(part) == 1 && part[0].Kind == ElemByte
}

// hasFixedRun reports whether some part holds two consecutive fully fixed
// bytes; a gap between parts always breaks a run.
func hasFixedRun(parts [][]Elem) bool {
	for _, part := range parts {
		for j := 1; j < len(part); j++ {
			if fixedByte(part[j-1]) && fixedByte(part[j]) {
				return true
			}
		}
	}
	return false
}

func fixedByte(e Elem) bool { return e.Kind == ElemByte && e.Byte.Mask == 0xff }
