package mailscan

import (
	"bytes"
	"html"
	"strings"

	"github.com/sigtool/sigtool/mailmime"
)

// bannerText returns the warning blocks, one per finding in part order,
// lines separated by "\n".
func (s *Scanner) bannerText(targets []*target) string {
	var blocks []string
	for _, t := range targets {
		tmpl := s.policy.Text.Removed
		if t.cleaned != nil {
			tmpl = s.policy.Text.Cleaned
		}
		for _, h := range t.hits {
			blocks = append(blocks, s.fill(tmpl, h.name, t))
		}
	}
	return strings.Join(blocks, "\n")
}

// fill replaces the placeholders of a template in one pass, so that a
// file name containing "{NAME}" is not expanded again.
func (s *Scanner) fill(tmpl, name string, t *target) string {
	return strings.NewReplacer(
		"{GATEWAY}", s.policy.Gateway,
		"{NAME}", name,
		"{FILE}", t.file,
		"{QUARANTINE}", t.qid,
	).Replace(tmpl)
}

// bannerBodies finds the bodies the banner goes into: the first text/plain
// or text/html leaf in document order that is not an attachment, not
// being removed, and not inside an enclosed message (a forwarded mail's
// text is not this message's body); and when that body is one version of
// a multipart/alternative, the first text body of every other version
// too, since a reader shows only one of them.
func bannerBodies(root *mailmime.Part, skip map[*mailmime.Part]bool) []*mailmime.Part {
	first := firstTextBody(root, skip)
	if first == nil {
		return nil
	}
	out := []*mailmime.Part{first}
	var alt *mailmime.Part
	for p := first.Parent; p != nil && alt == nil; p = p.Parent {
		if p.ContentType == "multipart/alternative" {
			alt = p
		}
		if strings.HasPrefix(p.ContentType, "message/") {
			break
		}
	}
	if alt == nil {
		return out
	}
	for _, c := range alt.Children {
		if b := firstTextBody(c, skip); b != nil && b != first && !contains(c, first) {
			out = append(out, b)
		}
	}
	return out
}

// contains reports whether q is p or below it.
func contains(p, q *mailmime.Part) bool {
	for ; q != nil; q = q.Parent {
		if q == p {
			return true
		}
	}
	return false
}

// firstTextBody is the first body under top that bannerBodies would take.
func firstTextBody(top *mailmime.Part, skip map[*mailmime.Part]bool) *mailmime.Part {
	var found *mailmime.Part
	var walk func(p *mailmime.Part)
	walk = func(p *mailmime.Part) {
		if found != nil || skip[p] {
			return
		}
		if p != top && strings.HasPrefix(p.ContentType, "message/") {
			return
		}
		if p.IsLeaf() {
			if (p.ContentType == "text/plain" || p.ContentType == "text/html") &&
				p.Filename == "" && p.Disposition != "attachment" && !p.IsPartial {
				found = p
			}
			return
		}
		for _, c := range p.Children {
			walk(c)
		}
	}
	walk(top)
	return found
}

// bannerEdit returns the edit that puts the banner (followed by a blank
// line) at the top of body in the body's own charset and transfer
// encoding. Text gets it in front of its unchanged bytes. HTML gets it as
// a <pre> block right after the <body> tag, where every reader shows it:
// spliced into an unencoded body, or with the body decoded, changed and
// encoded again; a body being cut (cut) gets it in front instead, as the
// cut rewrites its bytes. ok is false when it cannot be done faithfully.
func (s *Scanner) bannerEdit(body *mailmime.Part, banner string, eol []byte, cut bool) (edit, bool) {
	lines := strings.Split(banner, "\n")
	off := 0
	if body.ContentType == "text/html" {
		lines = strings.Split("<pre>"+html.EscapeString(banner)+"</pre>", "\n")
		if !cut && identity(body) {
			off = afterBodyTag(body.Body())
		} else if decoded, _ := body.Decode(); !cut && afterBodyTag(decoded) > 0 {
			enc, ok := encodeLines(append(lines, ""), body.Params["charset"])
			if !ok {
				return edit{}, false
			}
			at := afterBodyTag(decoded)
			text := append(append(append([]byte{}, decoded[:at]...), bytes.Join(enc, eol)...), decoded[at:]...)
			if out, ok := encodeBody(body, text, eol); ok {
				return edit{body.BodyStart, body.End, out}, true
			}
		}
	}
	ins, ok := encodedBanner(body, lines, eol)
	return edit{body.BodyStart + off, body.BodyStart + off, ins}, ok
}

// afterBodyTag returns the offset just after the <body ...> tag of an
// HTML text, or 0 when it has none.
func afterBodyTag(b []byte) int {
	i := bytes.Index(bytes.ToLower(b), []byte("<body"))
	if i < 0 || i+5 >= len(b) || !(b[i+5] == '>' || isSpaceByte(b[i+5])) {
		return 0
	}
	j := bytes.IndexByte(b[i:], '>')
	if j < 0 {
		return 0
	}
	return i + j + 1
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// encodedBanner encodes the banner lines, and a blank line after them,
// as body's charset and transfer encoding want.
func encodedBanner(body *mailmime.Part, lines []string, eol []byte) ([]byte, bool) {
	lines = append(lines, "") // the blank line between banner and text
	enc, ok := encodeLines(lines, body.Params["charset"])
	if !ok {
		return nil, false
	}
	switch body.Encoding {
	case "", "7bit", "8bit", "binary":
		out := bytes.Join(enc, eol)
		out = append(out, eol...)
		if (body.Encoding == "" || body.Encoding == "7bit") && !isASCII(out) {
			return nil, false
		}
		return out, true
	case "quoted-printable":
		var out []byte
		for _, l := range enc {
			out = append(out, qpLine(l, eol)...)
			out = append(out, eol...)
		}
		return out, true
	case "base64":
		// base64(A+B) is base64(A)+base64(B) when len(A) is a multiple
		// of 3, so padding the banner with blank lines lets us prepend
		// without decoding and re-encoding the body.
		raw := append(bytes.Join(enc, eol), eol...)
		for i := 0; len(raw)%3 != 0 && i < 3; i++ {
			raw = append(raw, eol...)
		}
		if len(raw)%3 != 0 {
			return nil, false
		}
		return append(base64Lines(raw, eol), eol...), true
	}
	return nil, false
}
