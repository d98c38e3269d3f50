package mailmime

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// state is shared by every parser working on one Parse call, including
// the ones that parse decoded copies of encoded sub-messages.
type state struct {
	nparts     int
	alternates int
	err        error // first limit hit
}

type parser struct {
	msg []byte
	st  *state
	lim Limits
}

// Parse builds the part tree of one RFC 5322 message held in msg. It keeps
// byte offsets into msg (msg is not copied: do not modify it while the tree
// is in use).
//
// Parse always returns a tree covering all of msg. The error is non-nil
// only when a limit stopped the walk (ErrTooDeep, ErrTooManyParts): the
// tree is then complete as bytes but some parts were not descended into,
// which a gateway should treat as doubt. Malformed structure is not an
// error; it is recorded in Part.Defects.
func Parse(msg []byte) (*Part, error) { return ParseWith(msg, DefaultLimits) }

// ParseWith is Parse within lim. A zero field is the default: the parse
// of hostile mail is never unbounded.
func ParseWith(msg []byte, lim Limits) (*Part, error) {
	if lim.MaxDepth <= 0 {
		lim.MaxDepth = MaxDepth
	}
	if lim.MaxParts <= 0 {
		lim.MaxParts = MaxParts
	}
	ps := &parser{msg: msg, st: &state{}, lim: lim}
	root := ps.part(0, len(msg), 0, nil, "text/plain", false)
	return root, ps.st.err
}

func (ps *parser) fail(p *Part, err error) {
	err = fmt.Errorf("part at byte %d (depth %d, %s): %w", p.Start, p.Depth, p.ContentType, err)
	p.Defects = append(p.Defects, err)
	if ps.st.err == nil {
		ps.st.err = err
	}
}

// part parses msg[start:end] as one entity and descends into it, then
// adds the other readings of it (see alternates).
func (ps *parser) part(start, end, depth int, parent *Part, deftype string, alt bool) *Part {
	ps.st.nparts++
	p := &Part{msg: ps.msg, Start: start, End: end, Depth: depth, Parent: parent, alternate: alt}
	p.Header, p.BodyStart = parseHeader(ps.msg, start, end)
	p.Encoding = normalizeCTE(p.Header.Get("Content-Transfer-Encoding"))
	setDisposition(p, p.Header.Get("Content-Disposition"))
	var types []mediaType
	for _, v := range p.Header.Values("Content-Type") {
		types = append(types, parseMediaType(v, true))
	}
	ps.apply(p, ps.chooseType(p, types), deftype)
	ps.descend(p)
	ps.alternates(p, deftype)
	return p
}

func setDisposition(p *Part, d string) {
	p.Disposition, p.DispParams, p.Filename, p.RawFilename = "", nil, "", ""
	if d != "" {
		mt := parseMediaType(d, false)
		p.Disposition, p.DispParams = mt.value, mt.params
		p.Filename, p.RawFilename = mt.params["filename"], mt.raw["filename"]
	}
}

// chooseType picks the Content-Type reading to use when a header has
// several: the first well-formed one whose reading works (a multipart
// whose boundary occurs in the body), else the first well-formed one.
// The others are walked as alternates.
func (ps *parser) chooseType(p *Part, types []mediaType) *mediaType {
	var primary *mediaType
	for i := range types {
		t := &types[i]
		if !t.ok {
			continue
		}
		if primary == nil {
			primary = t
		}
		if !strings.HasPrefix(t.value, "multipart/") || ps.findBoundary(p, t) != "" {
			return t
		}
	}
	if primary == nil && len(types) > 0 {
		p.Defects = append(p.Defects, fmt.Errorf("%w: %q", ErrBadContentType, p.Header.Get("Content-Type")))
	}
	return primary
}

// apply sets the type-dependent fields of p from mt (nil: the default).
func (ps *parser) apply(p *Part, mt *mediaType, deftype string) {
	if mt == nil {
		p.ContentType, p.Params = deftype, map[string]string{}
	} else {
		p.ContentType, p.Params, p.rawParams, p.everyParam = mt.value, mt.params, mt.raw, mt.every
		if p.Filename == "" {
			p.Filename, p.RawFilename = mt.params["name"], mt.raw["name"]
		}
	}
	if p.Filename != "" && !utf8.ValidString(p.Filename) {
		// Raw 8-bit name: the part's charset is the best guess we have.
		// Failing that, windows-1252 keeps every byte visible and the
		// (ASCII) extension intact; RawFilename still has the original.
		s, ok := decodeCharset(p.Params["charset"], []byte(p.Filename))
		if !ok {
			s, _ = decodeCharset("windows-1252", []byte(p.Filename))
		}
		p.Filename = s
	}
}

// mayDescend reports whether p may get children, recording the limit hit
// (ErrTooDeep, ErrTooManyParts) when not.
func (ps *parser) mayDescend(p *Part) bool {
	if p.Depth >= ps.lim.MaxDepth {
		ps.fail(p, ErrTooDeep)
		return false
	}
	if ps.st.nparts >= ps.lim.MaxParts {
		ps.fail(p, ErrTooManyParts)
		return false
	}
	return true
}

// descend splits a multipart or parses an enclosed message.
func (ps *parser) descend(p *Part) {
	ct := p.ContentType
	switch {
	case strings.HasPrefix(ct, "multipart/"):
		b := p.Boundary // an alternate comes with its boundary
		if b == "" {
			b = ps.findBoundary(p, &mediaType{params: p.Params, raw: p.rawParams, every: p.everyParam})
			p.loose = b != "" && !ps.hasDelimiter(p, b, false)
		}
		if b == "" {
			p.Defects = append(p.Defects, ErrNoBoundary)
			return
		}
		p.Boundary = ""
		if ps.mayDescend(p) {
			p.Boundary = b
			ps.split(p)
		}
	case ct == "message/partial":
		p.IsPartial = true
	case ct == "message/rfc822" || ct == "message/global" || ct == "message/news":
		if !ps.mayDescend(p) {
			return
		}
		switch p.Encoding {
		case "base64", "quoted-printable", "x-uuencode", "uuencode":
			// Not allowed by RFC 2046, but sent: parse the decoded copy
			// as an extra reading; offsets then index that copy.
			data, _ := p.Decode()
			sub := &parser{msg: data, st: ps.st, lim: ps.lim}
			p.Alternates = append(p.Alternates, sub.part(0, len(data), p.Depth+1, p, "text/plain", true))
		default:
			p.Children = []*Part{ps.part(p.BodyStart, p.End, p.Depth+1, p, "text/plain", p.alternate)}
		}
	}
}

// normalizeCTE lower-cases a Content-Transfer-Encoding and drops comments
// and anything after the first token ("Base64 (sic)" -> "base64").
func normalizeCTE(v string) string {
	i := skipCFWS(v, 0)
	j := i
	for j < len(v) && !isWSP(v[j]) && v[j] != ';' && v[j] != '(' {
		j++
	}
	return strings.ToLower(v[i:j])
}
