package matcher

import (
	"github.com/dlclark/regexp2/v2"
	"github.com/dlclark/regexp2/v2/syntax"
)

// A PCRE that repeats a captured character by backreference, such as
// Html.Exploit.CVE_2017_0069's /var.{0,50}?=.{0,100}?['"].*?#([^'"#])\1{100,}?/,
// can only match content that holds a run of that many equal bytes. On
// normalised HTML (one long line) regexp2 backtracks such a pattern for
// up to pcreTimeout per search, where PCRE2 in ClamAV gives up at its
// match limit (cli_pcre_match: "match limit exceeded", no match); it was
// most of the time of scanning real HTML documents (NOTES.md). Content
// without the run cannot match, so the search is skipped: the same
// verdict, decided in one pass over the bytes.

// byteRun is a run the expression requires: n equal bytes, each in set.
type byteRun struct {
	n   int
	set [256]bool
}

// requiredRun finds the longest run of equal bytes that every match of
// pattern (compiled with opts) must contain; n is 0 when it finds none.
// Only the expression's top-level sequence is looked at: a capture of one
// character followed by a repeated backreference to it.
func requiredRun(pattern string, opts regexp2.RegexOptions) byteRun {
	var best byteRun
	if opts&regexp2.IgnoreCase != 0 {
		return best // the backreference then matches either case
	}
	tree, err := syntax.Parse(pattern, syntax.ParseOptions{RegexOptions: syntax.RegexOptions(opts), MaintainCaptureOrder: true})
	if err != nil {
		return best
	}
	seq := unwrap(tree.Root)
	if seq.T != syntax.NtConcatenate {
		return best
	}
	kids := seq.Children
	for i := 0; i+1 < len(kids); i++ {
		c := kids[i]
		if c.T != syntax.NtCapture || len(c.Children) != 1 {
			continue
		}
		one := c.Children[0]
		if one.T != syntax.NtOne && one.T != syntax.NtSet {
			continue
		}
		rep := unwrap(kids[i+1])
		times := 1
		if (rep.T == syntax.NtLoop || rep.T == syntax.NtLazyloop) && len(rep.Children) == 1 {
			times, rep = rep.M, unwrap(rep.Children[0])
		}
		if rep.T != syntax.NtRef || rep.M != c.M || times < 1 || 1+times <= best.n {
			continue
		}
		best = byteRun{n: 1 + times}
		for b := range 256 {
			if one.T == syntax.NtOne {
				best.set[b] = rune(b) == one.Ch
			} else {
				best.set[b] = one.Set.CharIn(rune(b))
			}
		}
	}
	return best
}

// unwrap strips groups that match what their one child matches.
func unwrap(n *syntax.RegexNode) *syntax.RegexNode {
	for (n.T == syntax.NtCapture && n.M == 0 || n.T == syntax.NtGroup || n.T == syntax.NtAtomic) && len(n.Children) == 1 {
		n = n.Children[0]
	}
	return n
}

// in reports whether s holds the run.
func (r *byteRun) in(s []byte) bool {
	k := 0
	for i, c := range s {
		switch {
		case !r.set[c]:
			k = 0
		case k > 0 && s[i-1] == c:
			k++
		default:
			k = 1
		}
		if k >= r.n {
			return true
		}
	}
	return false
}
