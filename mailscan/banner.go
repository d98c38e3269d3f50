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

// firstTextBody finds the body the banner goes into: the first text/plain
// or text/html leaf in document order that is not an attachment, not
// being removed, and not inside an enclosed message (a forwarded mail's
// text is not this message's body).
func firstTextBody(root *mailmime.Part, skip map[*mailmime.Part]bool) *mailmime.Part {
	var found *mailmime.Part
	var walk func(p *mailmime.Part)
	walk = func(p *mailmime.Part) {
		if found != nil || skip[p] {
			return
		}
		if p != root && strings.HasPrefix(p.ContentType, "message/") {
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
	walk(root)
	return found
}

// bannerInsert returns the bytes that, inserted at body.BodyStart, put the
// banner (followed by a blank line) at the top of the body in the body's
// own charset and transfer encoding, leaving the body's bytes untouched.
// ok is false when that cannot be done faithfully.
func bannerInsert(body *mailmime.Part, banner string, eol []byte) ([]byte, bool) {
	lines := strings.Split(banner, "\n")
	if body.ContentType == "text/html" {
		lines = strings.Split("<pre>"+html.EscapeString(banner)+"</pre>", "\n")
	}
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
