package mailmime

import (
	"bytes"
	"fmt"
	"strings"
)

// Budgets for alternate readings: they multiply with nesting, so a message
// built to have many would otherwise cost exponential work.
const (
	maxAlternatesPerPart = 16
	maxAlternates        = 2000
)

// alternates adds to p every other reading of its bytes that a common
// client or parser could take, so a scanner can walk the union of all of
// them:
//
//   - the header read leniently (field names with comments or blanks,
//     names folded over lines; see parseHeaderLenient);
//   - every Content-Type field, not only the one that was chosen;
//   - for a multipart, every boundary candidate that occurs as a
//     delimiter (repeated or RFC 2231 parameters, the boundary of a
//     Content-Disposition field, values cut at a blank, ';' or quote),
//     matched strictly and loosely, and with parts going on past a close
//     delimiter that more delimiters follow;
//   - for a leaf, every Content-Transfer-Encoding and Content-Disposition
//     field, base64 for a body declared 7bit/8bit/binary (or with no
//     encoding) that is nothing but base64, and the raw bytes of a body
//     declared base64 that is not.
//
// Readings that come out the same as one already made are skipped.
func (ps *parser) alternates(p *Part, deftype string) {
	seen := map[string]bool{ps.readingKey(p): true}
	lh, lbs := parseHeaderLenient(ps.msg, p.Start, p.End)
	headers := []struct {
		h       Header
		bs      int
		lenient bool
	}{{p.Header, p.BodyStart, false}, {lh, lbs, true}}
	made := 0
	for _, hd := range headers {
		get := func(name string) []string {
			if hd.lenient {
				return hd.h.Lookup(strings.ToLower(name))
			}
			return hd.h.Values(name)
		}
		var types []*mediaType
		for _, v := range get("Content-Type") {
			if mt := parseMediaType(v, true); mt.ok {
				types = append(types, &mt)
			}
		}
		if len(types) == 0 {
			types = []*mediaType{nil}
		}
		ctes := get("Content-Transfer-Encoding")
		if len(ctes) == 0 {
			ctes = []string{""}
		}
		disps := get("Content-Disposition")
		if len(disps) == 0 {
			disps = []string{""}
		}
		for _, t := range types {
			for _, r := range ps.readingsOf(p, hd.bs, t, ctes, disps) {
				if made >= maxAlternatesPerPart || ps.st.alternates >= maxAlternates {
					ps.fail(p, fmt.Errorf("%w: more than %d readings", ErrTooManyParts, maxAlternates))
					return
				}
				a := &Part{msg: ps.msg, Start: p.Start, End: p.End, Depth: p.Depth, Parent: p.Parent, alternate: true}
				a.Header, a.BodyStart = hd.h, hd.bs
				a.Encoding = normalizeCTE(r.cte)
				setDisposition(a, r.disp)
				ps.apply(a, t, deftype)
				a.Boundary, a.loose, a.pastClose = r.boundary, r.loose, r.pastClose
				key := ps.readingKey(a)
				if seen[key] {
					continue
				}
				seen[key] = true
				made++
				ps.st.alternates++
				ps.st.nparts++
				ps.descend(a)
				p.Alternates = append(p.Alternates, a)
			}
		}
	}
}

// reading is one way to take a part's body: for a multipart its
// boundary and how delimiters match, for a leaf its encoding and
// disposition.
type reading struct {
	boundary         string
	loose, pastClose bool
	cte, disp        string
}

// readingsOf lists the readings of p's body (starting at bs) as type t.
func (ps *parser) readingsOf(p *Part, bs int, t *mediaType, ctes, disps []string) []reading {
	probe := &Part{msg: ps.msg, Start: p.Start, BodyStart: bs, End: p.End}
	var out []reading
	if t != nil && strings.HasPrefix(t.value, "multipart/") {
		cands := boundaryCandidates(t)
		for _, d := range disps { // some parsers take it from here
			if d != "" {
				dm := parseMediaType(d, false)
				cands = append(cands, boundaryCandidates(&dm)...)
			}
		}
		for _, b := range cands {
			for _, loose := range []bool{false, true} {
				if !ps.hasDelimiter(probe, b, loose) {
					continue
				}
				out = append(out, reading{boundary: b, loose: loose})
				if ps.closeThenMore(probe, b, loose) {
					out = append(out, reading{boundary: b, loose: loose, pastClose: true})
				}
			}
		}
		return out
	}
	for _, cte := range ctes {
		for _, d := range disps {
			out = append(out, reading{cte: cte, disp: d})
		}
	}
	switch normalizeCTE(ctes[0]) {
	case "", "7bit", "8bit", "binary":
		if looksBase64(ps.msg[bs:p.End]) {
			out = append(out, reading{cte: "base64", disp: disps[0]})
		}
	case "base64":
		if !base64Text(ps.msg[bs:p.End]) { // a reader may show it as it is
			out = append(out, reading{cte: "7bit", disp: disps[0]})
		}
	}
	return out
}

// closeThenMore reports whether a delimiter line of b follows a close
// delimiter in p's body: parts a client may show although RFC 2046 makes
// them epilogue.
func (ps *parser) closeThenMore(p *Part, b string, loose bool) bool {
	pos := p.BodyStart
	for {
		_, kind, next, ok := ps.nextDelimiter(p, pos, p.BodyStart, b, loose)
		if !ok {
			return false
		}
		if kind == 2 {
			_, _, _, more := ps.nextDelimiter(p, next, next, b, loose)
			return more
		}
		pos = next
	}
}

// base64Text reports whether body holds nothing but base64 characters
// and blanks.
func base64Text(body []byte) bool {
	for _, c := range body {
		if b64val[c] < 0 && c != '=' && c != '\r' && c != '\n' && c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}

// looksBase64 reports whether body is nothing but base64 lines of some
// length: text a client may decode although it is not declared so.
func looksBase64(body []byte) bool {
	n := 0
	for i := 0; i < len(body); {
		ce, next := lineAt(body, i, len(body))
		line := trimWSP(body[i:ce])
		for _, c := range line {
			if b64val[c] < 0 && c != '=' {
				return false
			}
		}
		n += len(line)
		i = next
	}
	return n >= 32
}

// readingKey identifies what a reading of a part yields: for a multipart
// where its delimiter lines are, for a leaf how its body is decoded and
// whether it is an attachment.
func (ps *parser) readingKey(p *Part) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%d|%s|", p.BodyStart, p.ContentType)
	if !strings.HasPrefix(p.ContentType, "multipart/") {
		fmt.Fprintf(&b, "%s|%s|%q", p.Encoding, p.Disposition, p.Filename)
		return b.String()
	}
	bnd, loose := p.Boundary, p.loose
	if bnd == "" { // the primary reading before descend: find it as descend will
		bnd = ps.findBoundary(p, &mediaType{params: p.Params, raw: p.rawParams, every: p.everyParam})
		loose = bnd != "" && !ps.hasDelimiter(p, bnd, false)
	}
	for pos := p.BodyStart; bnd != ""; {
		d, kind, next, ok := ps.nextDelimiter(p, pos, p.BodyStart, bnd, loose)
		if !ok {
			break
		}
		fmt.Fprintf(&b, "%d:%d,", d, kind)
		if kind == 2 && !p.pastClose {
			break
		}
		pos = next
	}
	return b.String()
}
