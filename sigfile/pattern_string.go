package sigfile

import (
	"strconv"
	"strings"
)

// String returns the pattern in ClamAV hex syntax, canonically: lower-case
// hex, nested alternatives multiplied out, and each gap written as "*",
// "{n}", "{n-}" or "{n-m}", except that a lone byte which ClamAV would
// reject on its own is attached to its neighbour with "[n-m]". For every
// pattern ParsePattern returns, ParsePattern(p.String()) equals p.
func (p Pattern) String() string {
	var b strings.Builder
	bracket := p.bracketGaps()
	for i, part := range p.Parts {
		if i > 0 {
			writeGap(&b, p.Gaps[i-1], bracket[i-1])
		}
		for _, e := range part {
			writeElem(&b, e)
		}
	}
	return b.String()
}

// bracketGaps decides which gaps to write as [n-m]. Cutting the pattern
// only at gaps that "{n}" cannot express without a cut gives pieces; in a
// valid pattern a piece without two consecutive fixed bytes is a single
// byte that was attached with [x-y] to a neighbouring piece, so attach it
// again to a neighbour that has such bytes, preferring the next one.
func (p Pattern) bracketGaps() []bool {
	bracket := make([]bool, len(p.Gaps))
	if len(p.Gaps) == 0 || len(p.Gaps) != len(p.Parts)-1 {
		return bracket
	}
	expands := func(g Gap) bool { return g.Min == g.Max && g.Min >= 1 && g.Min <= maxExpandGap }
	fits := func(g Gap) bool { return g.Min >= 0 && g.Max >= g.Min && g.Max <= maxCharDist }
	// piece[i] is the index of the first part of part i's piece; run
	// records whether a piece has two consecutive fixed bytes.
	piece := make([]int, len(p.Parts))
	run := make([]bool, len(p.Parts))
	for i := range p.Parts {
		if i > 0 && expands(p.Gaps[i-1]) {
			piece[i] = piece[i-1]
		} else {
			piece[i] = i
		}
		if hasFixedRun(p.Parts[i : i+1]) {
			run[piece[i]] = true
		}
	}
	for i, part := range p.Parts {
		alone := (i == 0 || piece[i] != piece[i-1]) && (i == len(p.Parts)-1 || piece[i+1] != piece[i])
		if !alone || !singleByte(part) {
			continue
		}
		switch {
		case i+1 < len(p.Parts) && fits(p.Gaps[i]) && run[piece[i+1]]:
			bracket[i] = true
		case i > 0 && fits(p.Gaps[i-1]) && run[piece[i-1]]:
			bracket[i-1] = true
		}
	}
	return bracket
}

func writeGap(b *strings.Builder, g Gap, bracket bool) {
	switch {
	case bracket:
		b.WriteByte('[')
		b.WriteString(strconv.Itoa(g.Min))
		b.WriteByte('-')
		b.WriteString(strconv.Itoa(g.Max))
		b.WriteByte(']')
	case g.Min == 0 && g.Max < 0:
		b.WriteByte('*')
	case g.Min == g.Max:
		b.WriteByte('{')
		b.WriteString(strconv.Itoa(g.Min))
		b.WriteByte('}')
	case g.Max < 0:
		b.WriteByte('{')
		b.WriteString(strconv.Itoa(g.Min))
		b.WriteString("-}")
	default:
		b.WriteByte('{')
		b.WriteString(strconv.Itoa(g.Min))
		b.WriteByte('-')
		b.WriteString(strconv.Itoa(g.Max))
		b.WriteByte('}')
	}
}

func writeElem(b *strings.Builder, e Elem) {
	switch e.Kind {
	case ElemByte:
		writeByteMatch(b, e.Byte)
	case ElemAlt:
		if e.Negate {
			b.WriteByte('!')
		}
		b.WriteByte('(')
		for i, alt := range e.Alts {
			if i > 0 {
				b.WriteByte('|')
			}
			for _, m := range alt {
				writeByteMatch(b, m)
			}
		}
		b.WriteByte(')')
	case ElemBoundary:
		b.WriteString("(B)")
	case ElemLineEnd:
		b.WriteString("(L)")
	case ElemNonAlnum:
		b.WriteString("(W)")
	}
}

func writeByteMatch(b *strings.Builder, m ByteMatch) {
	if m.Mask&0xf0 == 0xf0 {
		b.WriteByte(hexDigits[m.Value>>4])
	} else {
		b.WriteByte('?')
	}
	if m.Mask&0x0f == 0x0f {
		b.WriteByte(hexDigits[m.Value&0x0f])
	} else {
		b.WriteByte('?')
	}
}
