package mailscan

import (
	"strings"
	"unicode"

	"github.com/sigtool/sigtool/mailmime"
)

// A target is one part of the message that the rewrite acts on: cleaned
// (cleaned != nil) or removed.
type target struct {
	part *mailmime.Part
	file string // name shown in the banner and notice
	hits []hit  // in the order found, without repeats
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
