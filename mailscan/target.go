package mailscan

import (
	"sort"
	"strings"
	"unicode"

	"github.com/sigtool/sigtool/mailmime"
)

// A target is one part of the message as parsed that the rewrite acts
// on: replaced as a whole (whole: cleaned when cleaned != nil, else
// removed) or cut (the ranges of cuts replaced by notices, the rest
// kept).
type target struct {
	part  *mailmime.Part
	whole bool
	cuts  []cut
	file  string // name shown in the banner and notice
	hits  []hit  // in the order found, without repeats
	// mustRemove is set by any hit that dropping archive members cannot
	// cure (policy hits, the file itself matched, embedded files).
	mustRemove bool
	// flags are unscannable names the policy delivers with a header
	// field instead of acting on.
	flags    []string
	cleaned  []byte // rebuilt, decoded content
	original []byte // what the quarantine keeps
	qid      string
}

// hit is one finding: a signature or policy name and why it counts.
type hit struct{ name, reason string }

// Reasons given for hits, and in Outcome.Reasons.
const (
	reasonVirus          = "virus"
	reasonEncrypted      = "encrypted"
	reasonLongFileName   = "long-file-name"
	reasonTooManyMembers = "too-many-members"
	reasonUnscannable    = "unscannable"
	reasonPartial        = "partial"
	reasonTooManyAtt     = "too-many-attachments"
	reasonOutbound       = "outbound"
	reasonOutOfScope     = "out-of-scope"
)

// merge adds o's findings to t.
func (t *target) merge(o *target) {
	for _, h := range o.hits {
		t.add(h.name, h.reason, o.mustRemove)
	}
	t.mustRemove = t.mustRemove || o.mustRemove
	for _, f := range o.flags {
		t.flags = appendNew(t.flags, f)
	}
}

// sortTargets puts targets in document order.
func sortTargets(ts []*target) {
	sort.SliceStable(ts, func(i, j int) bool { return ts[i].part.Start < ts[j].part.Start })
}

func (t *target) add(name, reason string, removes bool) {
	t.mustRemove = t.mustRemove || removes
	for _, h := range t.hits {
		if h.name == name {
			return
		}
	}
	t.hits = append(t.hits, hit{name, reason})
}

// displayName makes a file name from mail safe to write into a message
// body: control characters (a CR/LF would forge lines) become '?', and
// invalid UTF-8 is replaced.
func displayName(s string) string {
	s = strings.ToValidUTF8(s, "?")
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return '?'
		}
		return r
	}, s)
}

func newTarget(p *mailmime.Part) *target {
	name := p.Filename
	if name == "" { // say at least what it was
		name = "(unnamed " + p.ContentType + ")"
	}
	return &target{part: p, file: displayName(name)}
}
