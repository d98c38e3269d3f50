package mailscan

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/sigtool/sigtool/mailmime"
)

// An edit replaces msg[start:end] with data (start == end inserts).
type edit struct {
	start, end int
	data       []byte
}

// rewrite builds the new message: every target replaced, the banner
// added, every other byte of msg kept.
func (s *Scanner) rewrite(msg []byte, root *mailmime.Part, targets []*target) ([]byte, error) {
	eol := eolOf(msg)
	skip := map[*mailmime.Part]bool{}
	var rootTarget *target
	var edits []edit
	cutParts := map[*mailmime.Part]bool{}
	for _, t := range targets {
		if !t.whole {
			if es, ok := s.cutEdits(t, eol); ok {
				edits = append(edits, es...)
				cutParts[t.part] = true
				continue
			}
			t.whole = true // the notice cannot be written into this body
		}
		skip[t.part] = true
		if t.part == root {
			rootTarget = t
			continue
		}
		data, err := s.replacement(msg, t, eol)
		if err != nil {
			return nil, err
		}
		edits = append(edits, edit{t.part.Start, t.part.End, data})
	}
	// An mbox-style Content-Length would be wrong after any change, and a
	// reader trusting it would cut the message: drop it.
	for _, f := range root.Header.Fields {
		if strings.EqualFold(f.Name, "Content-Length") && rootTarget == nil {
			edits = append(edits, edit{f.Start, f.End, nil})
		}
	}
	banner := s.bannerText(targets)
	placed := false
	if rootTarget == nil {
		for i, body := range bannerBodies(root, skip) {
			if e, ok := s.bannerEdit(body, banner, eol, cutParts[body]); ok {
				edits = append(edits, e)
				placed = placed || i == 0
			}
		}
	}
	if !placed && rootTarget == nil && root.ContentType == "multipart/mixed" &&
		root.IsMultipart() && len(root.Children) > 0 && len(root.Defects) == 0 {
		// A new first part, right after the first delimiter line, and a
		// copy of that line after it. A copy, not "--"+Boundary: when the
		// delimiters were only found loosely (indented, trailing junk), a
		// strict one added here would make the reparse match it alone.
		at := root.Children[0].Start
		delim := bytes.TrimLeft(msg[root.Preamble.End:at], "\r\n")
		var b []byte
		b = append(b, textPart(banner, eol)...)
		b = append(b, eol...)
		b = withLineEnd(append(b, delim...), eol)
		edits = append(edits, edit{at, at, b})
		placed = true
	}
	// Inserts sort before replacements starting at the same byte.
	sort.SliceStable(edits, func(i, j int) bool {
		if edits[i].start != edits[j].start {
			return edits[i].start < edits[j].start
		}
		return edits[i].end < edits[j].end
	})
	for i := 1; i < len(edits); i++ {
		if edits[i].start < edits[i-1].end {
			return nil, fmt.Errorf("%w: overlapping edits at bytes %d and %d", ErrInternal, edits[i-1].start, edits[i].start)
		}
	}
	if placed {
		return splice(msg, edits, 0, len(msg)), nil
	}
	// wrapRoot rebuilds the root header itself; keep only the body edits.
	body := edits[:0]
	for _, e := range edits {
		if e.start >= root.BodyStart {
			body = append(body, e)
		}
	}
	return s.wrapRoot(msg, root, rootTarget, body, banner, eol)
}

// cutEdits returns the edits that replace each cut of t by the notice. In
// a multipart's preamble or epilogue each cut is an edit of its own; a
// leaf gets its decoded body with the cuts replaced, encoded again as the
// part was. ok is false when the notice cannot be written in the body's
// charset or encoding; the part must then go as a whole.
func (s *Scanner) cutEdits(t *target, eol []byte) ([]edit, bool) {
	p := t.part
	notice := s.fill(s.policy.Text.Notice, "", t)
	if !p.IsLeaf() {
		var es []edit
		for _, c := range mergeCuts(t.cuts) {
			es = append(es, edit{p.BodyStart + c.start, p.BodyStart + c.end, textPart(notice, eol)})
		}
		return es, true
	}
	body, ok := s.cutBody(t, notice, eol)
	if !ok {
		return nil, false
	}
	return []edit{{p.BodyStart, p.End, body}}, true
}

// cutBody returns a leaf's decoded body with its cuts replaced by the
// notice, encoded again as the part was.
func (s *Scanner) cutBody(t *target, notice string, eol []byte) ([]byte, bool) {
	p := t.part
	src, _ := p.Decode()
	var out []byte
	pos := 0
	for _, c := range mergeCuts(t.cuts) {
		if c.start < pos || c.end > len(src) {
			return nil, false
		}
		out = append(out, src[pos:c.start]...)
		if c.entity {
			// An entity of another reading: a notice entity, which
			// ends where it did (before a line break that follows).
			out = append(out, textPart(notice, eol)...)
		} else {
			enc, ok := encodeLines([]string{notice}, p.Params["charset"])
			if !ok {
				return nil, false
			}
			out = append(append(out, enc[0]...), eol...)
		}
		pos = c.end
	}
	out = append(out, src[pos:]...)
	return encodeBody(p, out, eol)
}

// encodeBody encodes a leaf's new decoded body in the part's transfer
// encoding; ok is false for an encoding we do not write, or 8-bit text
// under a 7bit label.
func encodeBody(p *mailmime.Part, text, eol []byte) ([]byte, bool) {
	switch {
	case identity(p):
		if (p.Encoding == "" || p.Encoding == "7bit") && !isASCII(text) {
			return nil, false
		}
		return text, true
	case p.Encoding == "quoted-printable":
		return qpBody(text, eol), true
	case p.Encoding == "base64":
		enc := base64Lines(text, eol)
		if endsWithEOL(p.Body()) {
			enc = append(enc, eol...)
		}
		return enc, true
	}
	return nil, false
}

// mergeCuts sorts cuts and joins overlapping ones.
func mergeCuts(cuts []cut) []cut {
	cs := append([]cut(nil), cuts...)
	sort.Slice(cs, func(i, j int) bool { return cs[i].start < cs[j].start })
	var out []cut
	for _, c := range cs {
		if n := len(out); n > 0 && c.start < out[n-1].end {
			out[n-1].end = max(out[n-1].end, c.end)
			out[n-1].entity = out[n-1].entity || c.entity
			continue
		}
		out = append(out, c)
	}
	return out
}

// splice returns msg[lo:hi] with the edits (sorted, disjoint, inside the
// range) applied.
func splice(msg []byte, edits []edit, lo, hi int) []byte {
	var out bytes.Buffer
	pos := lo
	for _, e := range edits {
		out.Write(msg[pos:e.start])
		out.Write(e.data)
		pos = e.end
	}
	out.Write(msg[pos:hi])
	return out.Bytes()
}

// replacement returns the new bytes for a target part that is not the
// whole message.
func (s *Scanner) replacement(msg []byte, t *target, eol []byte) ([]byte, error) {
	p := t.part
	fields, sep, err := headerParts(msg, p, eol)
	if err != nil {
		return nil, err
	}
	var out []byte
	if t.cleaned != nil {
		out = cleanedEntity(msg, p, fields, sep, t.cleaned, eol)
	} else {
		if isMessage(p) {
			keep := func(n string) bool { return !isContentField(n) }
			out = withLineEnd(fieldsWhere(msg, fields, keep), eol)
		}
		out = append(out, textPart(s.fill(s.policy.Text.Notice, "", t), eol)...)
	}
	if endsWithEOL(p.Body()) {
		out = append(out, eol...)
	}
	return out, nil
}

// cleanedEntity is p with every header field kept (only the transfer
// encoding changed to base64 when it was something else) and the rebuilt
// archive as its body.
func cleanedEntity(msg []byte, p *mailmime.Part, fields []mailmime.Field, sep, data, eol []byte) []byte {
	var out []byte
	if p.Encoding == "base64" {
		out = append(out, msg[p.Start:p.BodyStart]...)
	} else {
		out = withLineEnd(fieldsWhere(msg, fields, func(n string) bool {
			return !strings.EqualFold(n, "Content-Transfer-Encoding")
		}), eol)
		out = append(out, "Content-Transfer-Encoding: base64"...)
		out = append(out, eol...)
		out = append(out, sep...)
	}
	return append(out, base64Lines(data, eol)...)
}

// wrapRoot turns the message into a multipart/mixed holding the banner as
// its first part and the original content (or what replaces it) as the
// second. The message's own fields stay at the top; its Content-* fields
// move down with the content they describe.
func (s *Scanner) wrapRoot(msg []byte, root *mailmime.Part, rt *target, edits []edit, banner string, eol []byte) ([]byte, error) {
	fields, sep, err := headerParts(msg, root, eol)
	if err != nil {
		return nil, err
	}
	bnd := boundaryFor(msg)
	var b bytes.Buffer
	b.Write(withLineEnd(fieldsWhere(msg, fields, func(n string) bool { return !isContentField(n) }), eol))
	movable := func(n string) bool { return isContentField(n) && !strings.EqualFold(n, "Content-Length") }
	if !root.Header.Has("MIME-Version") {
		b.WriteString("MIME-Version: 1.0")
		b.Write(eol)
	}
	fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"%s\"", bnd)
	b.Write(eol)
	b.Write(eol)
	delim := func(close bool) {
		b.WriteString("--" + bnd)
		if close {
			b.WriteString("--")
		}
		b.Write(eol)
	}
	delim(false)
	b.Write(textPart(banner, eol))
	b.Write(eol)
	delim(false)
	switch {
	case rt == nil:
		b.Write(withLineEnd(fieldsWhere(msg, fields, movable), eol))
		b.Write(sep)
		b.Write(splice(msg, edits, root.BodyStart, root.End))
	case rt.cleaned != nil:
		// The root's non-content fields are already at the top; the inner
		// entity gets only the content fields.
		inner := withLineEnd(fieldsWhere(msg, fields, func(n string) bool {
			return movable(n) && !strings.EqualFold(n, "Content-Transfer-Encoding")
		}), eol)
		b.Write(inner)
		b.WriteString("Content-Transfer-Encoding: base64")
		b.Write(eol)
		b.Write(sep)
		b.Write(base64Lines(rt.cleaned, eol))
	default:
		b.Write(textPart(s.fill(s.policy.Text.Notice, "", rt), eol))
	}
	b.Write(eol)
	delim(true)
	return b.Bytes(), nil
}
