package matcher

import (
	"strings"

	"github.com/dlclark/regexp2/v2"
)

// A PCRE such as Win.Exploit.CVE_2017_11918's
// /\x3Cscript.*?\s*\x7B[^\x7D]*?let.../smi starts with a literal and an
// unbounded ".*" over every byte. Searching it, a backtracking engine
// starts at each occurrence of the literal and walks ".*?" to the end of
// the content from each, so a page with many <script> tags and no match
// costs their number times its length (0.17 s a view of the clamd
// benchmark's documents, most of their PCRE time). Whether it matches
// does not need that: a match starts at the first occurrence of the
// literal if it starts anywhere (what follows a later one follows the
// first too), and exists when the rest matches somewhere after that
// occurrence's end, which is one search of the rest.
//
// Only a count of one is decided so: the split is used for a search that
// is neither global nor anchored.

// leadSplit is a PCRE split as lead ".*" rest.
type leadSplit struct {
	lead, rest *regexp2.Regexp
}

// splitLead returns the lead and the rest of a pattern that is a literal
// followed by ".*" or ".*?" under the s flag, in PCRE syntax, or ok false.
func splitLead(pattern string, f pcreFlags) (lead, rest string, ok bool) {
	if !f.dotall || f.extended || f.global || f.anchored {
		return "", "", false
	}
	i := 0
	for i < len(pattern) {
		c := pattern[i]
		if c == '.' {
			break
		}
		n := 1
		switch {
		case c == '\\':
			if i+1 >= len(pattern) {
				return "", "", false
			}
			e := pattern[i+1]
			switch {
			case e == 'x' && i+3 < len(pattern) && isHexDigit(pattern[i+2]) && isHexDigit(pattern[i+3]):
				n = 4
			case !isAlnum(e):
				n = 2
			default:
				return "", "", false // classes, assertions, backreferences
			}
		case strings.IndexByte(`()[]{}|*+?^$`, c) >= 0:
			return "", "", false
		}
		i += n
		if i < len(pattern) && strings.IndexByte(`*+?{`, pattern[i]) >= 0 {
			return "", "", false // a quantified atom
		}
	}
	if i == 0 || !strings.HasPrefix(pattern[i:], ".*") {
		return "", "", false
	}
	j := i + 2
	if j < len(pattern) && pattern[j] == '+' {
		return "", "", false // possessive: it takes all there is
	}
	if j < len(pattern) && pattern[j] == '?' {
		j++
	}
	rest = pattern[j:]
	// The rest is searched on its own from after the lead: what anchors
	// to the start of the subject or of the search would read otherwise.
	if rest == "" || strings.Contains(rest, `\G`) || strings.Contains(rest, `\A`) {
		return "", "", false
	}
	for k := 0; k < len(rest); k++ {
		if rest[k] == '\\' {
			k++
			continue
		}
		if rest[k] == '^' && (k == 0 || rest[k-1] != '[') {
			return "", "", false
		}
	}
	return pattern[:i], rest, true
}

// compileSplit compiles the split of a PCRE, or returns nil.
func compileSplit(pattern string, f pcreFlags, opts []regexp2.CompileOption) *leadSplit {
	lead, rest, ok := splitLead(pattern, f)
	if !ok {
		return nil
	}
	var sp leadSplit
	for _, x := range []struct {
		src string
		re  **regexp2.Regexp
	}{{lead, &sp.lead}, {rest, &sp.rest}} {
		pat, err := translatePCRE(x.src, f)
		if err != nil {
			return nil
		}
		if *x.re, err = regexp2.Compile(pat, opts...); err != nil {
			return nil
		}
		(*x.re).MatchTimeout = pcreTimeout
	}
	return &sp
}

// find returns where the first match of the whole pattern in subject
// starts, or -1.
func (sp *leadSplit) find(subject []rune) int {
	m, err := sp.lead.FindRunesMatch(subject)
	if err != nil || m == nil {
		return -1
	}
	r, err := sp.rest.FindRunesMatchStartingAt(subject, m.RuneIndex+m.RuneLength)
	if err != nil || r == nil {
		return -1
	}
	return m.RuneIndex
}
