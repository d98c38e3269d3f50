package mailmime

import (
	"bytes"
	"sort"
	"strings"
)

// boundaryCandidates lists the readings of a boundary parameter worth
// trying, best first: as decoded, trimmed, with a trailing comment, a
// blank, a semicolon or a quote ending it, with backslashes kept (some
// mailers escape in the header but not in the body), then every other
// value of a repeated parameter and the RFC 2231 forms, since parsers
// disagree on which one counts.
func boundaryCandidates(mt *mediaType) []string {
	var out []string
	add := func(s string) {
		if s == "" || len(s) > 200 {
			return
		}
		for _, o := range out {
			if o == s {
				return
			}
		}
		out = append(out, s)
	}
	variants := func(b string) {
		add(b)
		t := strings.TrimSpace(b)
		add(t)
		for _, cut := range []string{"(", " ", "\t", ";", "\""} {
			if i := strings.Index(t, cut); i > 0 {
				add(strings.TrimSpace(t[:i]))
			}
		}
	}
	variants(mt.params["boundary"])
	if mt.raw != nil {
		add(mt.raw["boundary"])
	}
	for _, v := range mt.every["boundary"] {
		variants(v)
	}
	var keys []string
	for k := range mt.every {
		if strings.HasPrefix(k, "boundary*") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range mt.every[k] {
			variants(v)
		}
	}
	return out
}

// delimKind classifies a line against boundary b: 0 no delimiter, 1
// delimiter, 2 close delimiter. Strict matching wants "--b" followed by
// optional "--" and blanks only; loose matching (used when the strict one
// finds nothing) also allows leading blanks and trailing junk.
func delimKind(line []byte, b string, loose bool) int {
	if loose {
		line = bytes.TrimLeft(line, " \t")
	}
	if len(line) < 2+len(b) || line[0] != '-' || line[1] != '-' || string(line[2:2+len(b)]) != b {
		return 0
	}
	rest := line[2+len(b):]
	kind := 1
	if bytes.HasPrefix(rest, []byte("--")) {
		kind, rest = 2, rest[2:]
	}
	if !loose && !isBlankLine(rest) {
		return 0
	}
	return kind
}

// findBoundary returns the first boundary candidate of mt that occurs as a
// delimiter line in p's body, or "": every candidate is tried strictly
// before any is tried loosely (split repeats that choice).
func (ps *parser) findBoundary(p *Part, mt *mediaType) string {
	cands := boundaryCandidates(mt)
	for _, loose := range []bool{false, true} {
		for _, c := range cands {
			if ps.hasDelimiter(p, c, loose) {
				return c
			}
		}
	}
	return ""
}

func (ps *parser) hasDelimiter(p *Part, b string, loose bool) bool {
	_, _, _, ok := ps.nextDelimiter(p, p.BodyStart, p.BodyStart, b, loose)
	return ok
}

// nextDelimiter finds the first delimiter line of b in p's body at or
// after from. It returns where the delimiter starts (including the line
// break before it, but never before lo), its kind and where the next line
// starts. The search jumps between occurrences of "--"+b, so a body is
// scanned in one pass of bytes.Index rather than line by line.
func (ps *parser) nextDelimiter(p *Part, from, lo int, b string, loose bool) (delim, kind, next int, ok bool) {
	msg, end := ps.msg, p.End
	needle := []byte("--" + b)
	for pos := from; pos < end; {
		k := bytes.Index(msg[pos:end], needle)
		if k < 0 {
			return 0, 0, 0, false
		}
		k += pos
		ls := k
		if loose {
			for ls > p.BodyStart && isWSP(msg[ls-1]) {
				ls--
			}
		}
		if ls != p.BodyStart && msg[ls-1] != '\n' && msg[ls-1] != '\r' {
			pos = k + 1
			continue
		}
		ce, nx := lineAt(msg, ls, end)
		kind = delimKind(msg[ls:ce], b, loose)
		if kind == 0 {
			pos = k + 1
			continue
		}
		delim = ls
		switch {
		case delim-1 >= lo && msg[delim-1] == '\n':
			delim--
			if delim-1 >= lo && msg[delim-1] == '\r' {
				delim--
			}
		case delim-1 >= lo && msg[delim-1] == '\r':
			delim--
		}
		return delim, kind, nx, true
	}
	return 0, 0, 0, false
}

// split cuts p's body at its delimiter lines into children. The line break
// before a delimiter line belongs to the delimiter (RFC 2046), so each child
// ends before it. A missing close delimiter lets the last part run to the
// end of p (recorded as a defect); a missing first delimiter cannot happen
// because findBoundary found one.
func (ps *parser) split(p *Part) {
	loose := p.loose
	deftype := "text/plain"
	if p.ContentType == "multipart/digest" {
		deftype = "message/rfc822"
	}
	childStart := -1
	addChild := func(s, e int) {
		p.Children = append(p.Children, ps.part(s, e, p.Depth+1, p, deftype, p.alternate))
	}
	pos := p.BodyStart
	for {
		lo := p.BodyStart
		if childStart >= 0 {
			lo = childStart
		}
		delim, kind, next, ok := ps.nextDelimiter(p, pos, lo, p.Boundary, loose)
		if !ok {
			break
		}
		if ps.st.nparts >= ps.lim.MaxParts && childStart >= 0 {
			break // the last child keeps the rest
		}
		if childStart < 0 {
			p.Preamble = Range{p.BodyStart, delim}
		} else {
			addChild(childStart, delim)
		}
		if kind == 2 && !p.pastClose {
			p.Epilogue = Range{next, p.End}
			return
		}
		childStart, pos = next, next
	}
	if childStart >= 0 {
		addChild(childStart, p.End)
		if ps.st.nparts >= ps.lim.MaxParts {
			ps.fail(p, ErrTooManyParts)
		} else {
			p.Defects = append(p.Defects, ErrNoCloseBoundary)
		}
	}
	p.Epilogue = Range{p.End, p.End}
}
