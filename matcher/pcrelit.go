package matcher

import (
	"bytes"
	"regexp/syntax"
	"slices"
)

// A PCRE subsignature is run only when its trigger holds, but on real
// documents triggers hold often (a "<script" or "var " seen), and then
// the expression is run over the whole view, most times to find nothing.
// Most expressions require some literal of every match (the "swfobject"
// of /swfobject\x2EembedSWF\x28.../i, one of "http:" and "https:"):
// content without it cannot match, which one bytes.Index over the content
// decides, without the engine and without the content as runes.
//
// The literals are read from the pattern rewritten as Go's regexp/syntax
// (dialectWider of pcresyntax.go), a pattern that matches wherever the
// PCRE does: what every match of it contains, every match of the PCRE
// contains too.

// litFilter is a set of literals one of which every match contains.
type litFilter struct {
	alts [][]byte // ASCII letters lower-cased when fold
	fold bool     // compare ASCII letters in either case
}

// Limits of the analysis: sets of more strings, and literals shorter than
// minLit, say too little to be worth a pass over the content.
const (
	maxLitAlts = 8
	minLit     = 3
)

// lit is a string of bytes a match contains; fold says its letters came
// from classes of both cases and stand for either.
type lit struct {
	s    string
	fold bool
}

// litInfo is what the analysis knows of one node: exact, when not nil,
// is every string it can match (as far as the limits go); req is a set
// one of which every match of it contains.
type litInfo struct {
	exact []lit
	req   []lit
}

// requiredLits returns the filter for a PCRE, or nil when no literal of
// at least minLit bytes is required.
func requiredLits(pattern string, f pcreFlags) *litFilter {
	re, err := parseWider(pattern, f)
	if err != nil {
		return nil
	}
	return litsFilter(re)
}

// parseWider parses the dialectWider form of a PCRE.
func parseWider(pattern string, f pcreFlags) (*syntax.Regexp, error) {
	wide, err := translateTo(pattern, f, dialectWider)
	if err != nil {
		return nil, err
	}
	return syntax.Parse(wide, syntax.Perl)
}

// litsFilter returns the filter for a parsed wider pattern, or nil.
func litsFilter(re *syntax.Regexp) *litFilter {
	best := bestOf(litsOf(re, 0))
	if score(best) < minLit {
		return nil
	}
	lf := &litFilter{}
	for _, l := range best {
		lf.fold = lf.fold || l.fold
	}
	for _, l := range best {
		b := []byte(l.s)
		if lf.fold {
			b = lowerASCII(b)
		}
		lf.alts = append(lf.alts, b)
	}
	return lf
}

// score is how much a set says: the length of its shortest string, 0 for
// an empty or too large set.
func score(set []lit) int {
	if len(set) == 0 || len(set) > maxLitAlts {
		return 0
	}
	n := len(set[0].s)
	for _, l := range set[1:] {
		n = min(n, len(l.s))
	}
	return n
}

// better reports whether set a says more than b.
func better(a, b []lit) bool {
	sa, sb := score(a), score(b)
	return sa > sb || (sa == sb && sa > 0 && len(a) < len(b))
}

// litsOf analyses re.
func litsOf(re *syntax.Regexp, depth int) litInfo {
	if depth > 200 {
		return litInfo{}
	}
	empty := litInfo{exact: []lit{{}}}
	switch re.Op {
	case syntax.OpLiteral:
		// Go's parser writes a class of a letter in both cases ([Aa],
		// as the translator spells the i flag) as a literal that folds.
		fold := re.Flags&syntax.FoldCase != 0
		b := make([]byte, 0, len(re.Rune))
		for _, r := range re.Rune {
			if r > 0xff || (fold && r > 0x7f) {
				return litInfo{} // folding beyond ASCII is not lowerASCII's
			}
			b = append(b, byte(r))
		}
		if fold {
			lowerASCII(b)
		}
		return litInfo{exact: []lit{{s: string(b), fold: fold}}}
	case syntax.OpCharClass:
		return classLits(re.Rune)
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText,
		syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return empty
	case syntax.OpCapture:
		return litsOf(re.Sub[0], depth+1)
	case syntax.OpQuest:
		in := litsOf(re.Sub[0], depth+1)
		if in.exact != nil && len(in.exact) < maxLitAlts {
			return litInfo{exact: union(in.exact, []lit{{}})}
		}
		return litInfo{}
	case syntax.OpPlus:
		return litInfo{req: bestOf(litsOf(re.Sub[0], depth+1))}
	case syntax.OpRepeat:
		if re.Min == 0 {
			return litInfo{}
		}
		in := litsOf(re.Sub[0], depth+1)
		if re.Min == 1 && re.Max == 1 {
			return in
		}
		return litInfo{req: bestOf(in)}
	case syntax.OpConcat:
		return concatLits(re.Sub, depth)
	case syntax.OpAlternate:
		var exact, req []lit
		allExact, allReq := true, true
		for _, sub := range re.Sub {
			in := litsOf(sub, depth+1)
			if in.exact == nil {
				allExact = false
			} else if allExact {
				exact = union(exact, in.exact)
			}
			if r := bestOf(in); score(r) == 0 {
				allReq = false
			} else if allReq {
				req = union(req, r)
			}
		}
		var out litInfo
		if allExact && len(exact) <= 2*maxLitAlts {
			out.exact = exact
		}
		if allReq && len(req) <= maxLitAlts {
			out.req = req
		}
		return out
	}
	return litInfo{} // any byte, repeats that may be empty
}

// bestOf is the better of what a node says as exact strings or as a
// required set.
func bestOf(in litInfo) []lit {
	if in.exact != nil && better(in.exact, in.req) {
		return in.exact
	}
	return in.req
}

// classLits reads a class: a few bytes, or a letter in both cases.
func classLits(ranges []rune) litInfo {
	var set []byte
	for i := 0; i+1 < len(ranges); i += 2 {
		if ranges[i+1] > 0xff || ranges[i+1]-ranges[i] >= 4 {
			return litInfo{}
		}
		for r := ranges[i]; r <= ranges[i+1]; r++ {
			set = append(set, byte(r))
		}
	}
	if len(set) == 2 && set[0]|0x20 == set[1]|0x20 && set[0]|0x20 >= 'a' && set[0]|0x20 <= 'z' {
		return litInfo{exact: []lit{{s: string(set[1] | 0x20), fold: true}}}
	}
	if len(set) == 0 || len(set) > 4 {
		return litInfo{}
	}
	out := make([]lit, len(set))
	for i, b := range set {
		out[i] = lit{s: string(b)}
	}
	return litInfo{exact: out}
}

// concatLits joins the strings of a sequence while they stay few, and
// keeps the best set seen.
func concatLits(subs []*syntax.Regexp, depth int) litInfo {
	cur := []lit{{}} // strings of the run of exact nodes so far
	var best []lit
	keep := func(set []lit) {
		if better(set, best) {
			best = set
		}
	}
	whole := true
	for _, s := range subs {
		in := litsOf(s, depth+1)
		if in.exact != nil && cur != nil && len(cur)*len(in.exact) <= maxLitAlts*2 {
			cur = cross(cur, in.exact)
			continue
		}
		whole = false
		if cur != nil {
			keep(cur)
		}
		keep(in.req)
		cur = in.exact // a new run starts with this node's strings
		if cur != nil && len(cur) > maxLitAlts*2 {
			keep(cur)
			cur = nil
		}
	}
	if whole {
		return litInfo{exact: cur}
	}
	if cur != nil {
		keep(cur)
	}
	return litInfo{req: best}
}

// cross is every a followed by every b.
func cross(a, b []lit) []lit {
	out := make([]lit, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			l := lit{s: x.s + y.s, fold: x.fold || y.fold}
			if l.fold {
				l.s = string(lowerASCII([]byte(l.s)))
			}
			out = append(out, l)
		}
	}
	return dedupe(out)
}

// union is the strings of a and of b.
func union(a, b []lit) []lit {
	return dedupe(append(slices.Clip(a), b...))
}

func dedupe(set []lit) []lit {
	slices.SortFunc(set, func(x, y lit) int {
		if x.s != y.s {
			if x.s < y.s {
				return -1
			}
			return 1
		}
		if x.fold == y.fold {
			return 0
		}
		if !x.fold {
			return -1
		}
		return 1
	})
	return slices.Compact(set)
}

// lowerASCII lower-cases the ASCII letters of b in place.
func lowerASCII(b []byte) []byte {
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 0x20
		}
	}
	return b
}

// in reports whether content (and lower, the same content lower-cased,
// when the filter folds) holds one of the literals.
func (lf *litFilter) in(content, lower []byte) bool {
	s := content
	if lf.fold {
		s = lower
	}
	for _, a := range lf.alts {
		if bytes.Contains(s, a) {
			return true
		}
	}
	return false
}
