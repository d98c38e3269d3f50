package mailscan

import "github.com/sigtool/sigtool/mailmime"

// A place is where the rewrite acts for one finding: a part of the
// message as parsed (the primary reading) replaced as a whole, or a cut
// inside one: a byte range of a leaf's decoded body (or of a multipart's
// preamble or epilogue) replaced by a notice, the rest kept.
type place struct {
	part *mailmime.Part
	cut  *cut
}

// cut is a range [start, end) relative to part.BodyStart: in the decoded
// body of a leaf, in the raw body of a multipart (only its preamble or
// epilogue). entity says the range is a MIME entity in another reading,
// so its notice is a part of its own rather than a line of text.
type cut struct {
	start, end int
	entity     bool
}

// identity reports whether a leaf's body is its decoded body.
func identity(p *mailmime.Part) bool {
	switch p.Encoding {
	case "", "7bit", "8bit", "binary":
		return true
	}
	return false
}

// placeOf finds where a finding in leaf q (in any reading of msg; in the
// block e of its decoded body when e is set) is removed. It keeps as much
// of the message as it can: a block in a text body is cut out of it; an
// entity that only another reading sees is cut where it lies; anything
// else takes the smallest part of the message as parsed that holds it.
func placeOf(msg []byte, root, q *mailmime.Part, e *mailmime.Embedded) place {
	if !sameSource(q, msg) {
		// A reading of a decoded copy (a base64 message/rfc822): its
		// offsets index the copy, so the part holding the copy goes.
		return place{part: holderOf(root, q)}
	}
	lo, hi := q.Start, q.End
	if e != nil {
		if !identity(q) {
			if !q.InAlternate() {
				return place{part: q, cut: &cut{start: e.Start, end: e.End}}
			}
			return place{part: smallestHolding(root, lo, hi)}
		}
		lo, hi = q.BodyStart+e.Start, q.BodyStart+e.End
	} else if !q.InAlternate() {
		return place{part: q}
	}
	p := smallestHolding(root, lo, hi)
	switch {
	case p.Start == lo && p.End == hi:
		return place{part: p}
	case lo < p.BodyStart:
		return place{part: p}
	case p.IsLeaf() && identity(p):
		return place{part: p, cut: &cut{start: lo - p.BodyStart, end: hi - p.BodyStart, entity: e == nil}}
	case !p.IsLeaf() && (within(lo, hi, p.Preamble) || within(lo, hi, p.Epilogue)):
		return place{part: p, cut: &cut{start: lo - p.BodyStart, end: hi - p.BodyStart, entity: e == nil}}
	}
	return place{part: p}
}

func within(lo, hi int, r mailmime.Range) bool { return r.Start <= lo && hi <= r.End && r.Len() > 0 }

func sameSource(q *mailmime.Part, msg []byte) bool {
	src := q.Source()
	return len(src) == len(msg) && (len(msg) == 0 || &src[0] == &msg[0])
}

// holderOf returns the nearest part above q that belongs to the message
// as parsed (root at the latest).
func holderOf(root, q *mailmime.Part) *mailmime.Part {
	p := q
	for p != nil && p.InAlternate() {
		p = p.Parent
	}
	if p == nil {
		return root
	}
	return p
}

// smallestHolding returns the deepest part of the primary reading whose
// bytes include [lo, hi).
func smallestHolding(root *mailmime.Part, lo, hi int) *mailmime.Part {
	p := root
	for {
		next := (*mailmime.Part)(nil)
		for _, c := range p.Children {
			if c.Start <= lo && hi <= c.End {
				next = c
				break
			}
		}
		if next == nil {
			return p
		}
		p = next
	}
}
