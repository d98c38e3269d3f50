package unpack

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/sigtool/sigtool/filetype"
	"golang.org/x/net/html"
)

// HTML is taken apart as ClamAV's HTML normaliser describes its output
// (ClamAV's signature documentation, target 3): the page is cut into
// tokens as browsers read markup (entities, unquoted and repeated
// attributes, unclosed tags; htmllex.go), and yielded as two normalised
// views of itself for target-3 signatures:
//   - "nocomment.html": comments dropped, tags rewritten as
//     <name attr="value">, everything lower-cased, white space folded to
//     one space and dropped after a tag;
//   - "notags.html": the text alone, a tag read as one space.
//
// Content embedded as data: URIs (RFC 2397) in attributes, base64 or
// percent-encoded, is yielded as a file ("data-N"), as ClamAV extracts it.
// Script text stays in nocomment.html; ClamAV's JavaScript normaliser
// (variable renaming, string decoding) is not reproduced.

// htmlMaxToken bounds one token (a tag with a data: URI can be megabytes).
const htmlMaxToken = 64 << 20

// htmlViews is what one pass over a page gives.
type htmlViews struct {
	nocomment, notags []byte
	data              [][]byte // decoded data: URIs
	err               error
}

func (w *walker) html(src io.ReaderAt, size int64) error {
	v := normalizeHTML(io.NewSectionReader(src, 0, size), size, w.lim)
	w.info.MemberCount = len(v.data)
	view := memberKind{typ: filetype.HTML, normalized: true}
	for _, e := range []struct {
		name string
		b    []byte
	}{{"nocomment.html", v.nocomment}, {"notags.html", v.notags}} {
		b := e.b
		if _, stop := w.emitAs(e.name, false, view, func() (io.Reader, error) { return bytes.NewReader(b), nil }); stop != nil {
			return stop
		}
	}
	for i, d := range v.data {
		d := d
		if _, stop := w.emit("data-"+strconv.Itoa(i+1), false, func() (io.Reader, error) { return bytes.NewReader(d), nil }); stop != nil {
			return stop
		}
	}
	return v.err
}

// normalizeHTML reads r (size bytes) in one pass, writing both views and
// collecting data: URIs. The views are bounded by lim.MaxFileSize (what a
// member may be).
func normalizeHTML(r io.Reader, size int64, lim Limits) htmlViews {
	var page []byte
	var rerr error
	if b, ok := r.(interface{ Bytes() []byte }); ok && int64(len(b.Bytes())) >= size {
		page = b.Bytes()[:size]
	} else {
		page, rerr = io.ReadAll(r)
	}
	v := normalizeHTMLPage(page, lim, htmlMaxToken)
	if v.err == nil && rerr != nil {
		v.err = fmt.Errorf("%w: html: %v", ErrCorrupt, rerr)
	}
	return v
}

// normalizeHTMLPage writes both views of page, tokens of maxTok bytes or
// more ending it (htmlLexer).
func normalizeHTMLPage(page []byte, lim Limits, maxTok int) htmlViews {
	var v htmlViews
	max := lim.MaxFileSize
	if max <= 0 {
		max = htmlMaxToken
	}
	// Markup is most of a page: nocomment.html is about its size, the
	// text a fraction of it.
	hint := int(min(int64(len(page)), max, htmlMaxToken))
	nc := htmlText{buf: make([]byte, 0, hint+hint/8)}
	nt := htmlText{buf: make([]byte, 0, hint/4)}
	var attrs []htmlAttr
	lx := htmlLexer{b: page, maxTok: maxTok}
	for {
		t := lx.next()
		if int64(len(nc.buf)) > max || int64(len(nt.buf)) > max {
			break
		}
		switch t.kind {
		case htmlEOF:
			if lx.err != nil {
				v.err = fmt.Errorf("%w: html: %v", ErrCorrupt, lx.err)
			}
			v.nocomment, v.notags = nc.buf, nt.buf
			return v
		case htmlTextTok:
			textBoth(&nc, &nt, t.text())
		case htmlStart, htmlEnd:
			var slash string
			attrs, slash = parseHTMLAttrs(t.raw, attrs[:0])
			nc.tag(t.kind == htmlEnd, tagName(t.raw), attrs, slash)
			nt.space()
			for _, a := range attrs {
				if d, ok := dataURI(a.val); ok {
					v.data = append(v.data, d)
				}
			}
		}
		// Comments and doctypes are dropped from both views.
	}
	v.nocomment, v.notags = nc.buf, nt.buf
	return v
}

// text is a text token's content: NULs of raw text read as U+FFFD, the
// character references of other text decoded. (Line ends are not
// converted: both views fold them with the rest of the white space.)
func (t htmlTok) text() []byte {
	s := t.raw
	if t.nul && bytes.IndexByte(s, 0) >= 0 {
		s = bytes.ReplaceAll(s, []byte{0}, []byte("\ufffd"))
	}
	if !t.rawText {
		s = unescapeHTML(s)
	}
	return s
}

// textSpace is the white space folded in text.
var textSpace = [256]bool{' ': true, '\t': true, '\n': true, '\r': true, '\f': true, '\v': true}

// htmlText writes lower-cased text with white space folded: a run of it
// becomes one space, and none is written right after a tag.
type htmlText struct {
	buf       []byte
	afterTag  bool
	lastSpace bool
}

func (h *htmlText) text(s []byte) {
	// One pass over s into room made for all of it: folding and
	// lower-casing byte by byte from tables beats the runs found, then
	// copied, then lower-cased, that text is mostly made of.
	buf := slices.Grow(h.buf, len(s))
	n := len(buf)
	buf = buf[:n+len(s)]
	afterTag, lastSpace := h.afterTag, h.lastSpace
	for _, c := range s {
		if textSpace[c] {
			if !afterTag && !lastSpace {
				buf[n] = ' '
				n++
				lastSpace = true
			}
			continue
		}
		buf[n] = asciiLower[c]
		n++
		afterTag, lastSpace = false, false
	}
	h.buf, h.afterTag, h.lastSpace = buf[:n], afterTag, lastSpace
}

// textBoth writes s to both views. They differ only in how white space
// before s's first other byte is folded (after a tag or not); from that
// byte on, both are in the same state and write the same bytes, so
// notags.html copies what nocomment.html got instead of folding it again.
func textBoth(nc, nt *htmlText, s []byte) {
	k := 0
	for k < len(s) && textSpace[s[k]] {
		k++
	}
	if k >= len(s)-1 {
		nc.text(s)
		nt.text(s)
		return
	}
	nc.text(s[:k+1])
	nt.text(s[:k+1])
	mark := len(nc.buf)
	nc.text(s[k+1:])
	nt.buf = append(nt.buf, nc.buf[mark:]...)
	nt.afterTag, nt.lastSpace = nc.afterTag, nc.lastSpace
}

// asciiLower maps a byte to its lower case: ASCII letters only, as
// ClamAV's normaliser does (C's tolower, byte by byte: other bytes, UTF-8
// or not, are kept as they are).
var asciiLower = func() (t [256]byte) {
	for i := range t {
		t[i] = byte(i)
		if 'A' <= i && i <= 'Z' {
			t[i] = byte(i + 'a' - 'A')
		}
	}
	return t
}()

// appendLower appends s to dst lower-cased (asciiLower).
func appendLower(dst, s []byte) []byte {
	dst = slices.Grow(dst, len(s))
	n := len(dst)
	dst = dst[:n+len(s)]
	out := dst[n:]
	for i, c := range s {
		out[i] = asciiLower[c]
	}
	return dst
}

func (h *htmlText) space() {
	if !h.lastSpace {
		h.buf = append(h.buf, ' ')
		h.lastSpace = true
	}
}

// htmlAttr is an attribute as written: its value entity-decoded, and
// whether it had one and in quotes. key and val may point into the
// page.
type htmlAttr struct {
	key, val       []byte
	hasVal, quoted bool
}

// tag writes a tag as ClamAV's normaliser does: the name and attribute
// names and values lower-cased, quoted values in double quotes, unquoted
// values and bare attributes as written, no space around "=", and the
// closing "/" of an empty-element tag kept.
func (h *htmlText) tag(end bool, name []byte, attrs []htmlAttr, slash string) {
	h.buf = append(h.buf, '<')
	if end {
		h.buf = append(h.buf, '/')
	}
	if bytes.IndexByte(name, 0) < 0 {
		h.buf = appendLower(h.buf, name)
	} else {
		// A NUL in a name reads as U+FFFD (WHATWG).
		h.buf = appendLower(h.buf, bytes.ReplaceAll(name, []byte{0}, []byte("\ufffd")))
	}
	for _, a := range attrs {
		h.buf = append(h.buf, ' ')
		h.buf = appendLower(h.buf, a.key)
		switch {
		case !a.hasVal:
		case a.quoted:
			h.buf = append(h.buf, '=', '"')
			h.buf = appendLower(h.buf, a.val)
			h.buf = append(h.buf, '"')
		default:
			h.buf = append(h.buf, '=')
			h.buf = appendLower(h.buf, a.val)
		}
	}
	h.buf = append(h.buf, slash...)
	h.buf = append(h.buf, '>')
	h.afterTag, h.lastSpace = true, false
}

// tagName is the name in a raw tag ("<a href=x>", "</a>"): from the
// first byte after "<" or "</" to white space, "/" or ">".
func tagName(raw []byte) []byte {
	i := 1
	if i < len(raw) && raw[i] == '/' {
		i++
	}
	j := min(i+1, len(raw))
	for j < len(raw) && raw[j] != '>' && raw[j] != '/' && !isHTMLSpace(raw[j]) {
		j++
	}
	return raw[min(i, j):j]
}

func isHTMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

// parseHTMLAttrs reads the attributes of a raw tag ("<a href='x' b>")
// into attrs, and what closes it: "/", " /" or "". htmlLexer found where
// the tag ends; the views need how each value was quoted.
func parseHTMLAttrs(raw []byte, attrs []htmlAttr) (_ []htmlAttr, slash string) {
	p := 1
	for p < len(raw) && raw[p] != '>' && !isHTMLSpace(raw[p]) && (raw[p] != '/' || p == 1) {
		p++ // '<', an optional '/', the name
	}
	for p < len(raw) {
		sp := p
		for p < len(raw) && isHTMLSpace(raw[p]) {
			p++
		}
		if p >= len(raw) || raw[p] == '>' {
			break
		}
		if raw[p] == '/' {
			if p+1 < len(raw) && raw[p+1] == '>' {
				slash = "/"
				if p > sp {
					slash = " /"
				}
				break
			}
			p++
			continue
		}
		k := p
		for p < len(raw) && raw[p] != '=' && raw[p] != '>' && !isHTMLSpace(raw[p]) && (raw[p] != '/' || p == k) {
			p++
		}
		a := htmlAttr{key: raw[k:p]}
		q := p
		for q < len(raw) && isHTMLSpace(raw[q]) {
			q++
		}
		if q < len(raw) && raw[q] == '=' {
			p = q + 1
			for p < len(raw) && isHTMLSpace(raw[p]) {
				p++
			}
			a.hasVal = true
			if p < len(raw) && (raw[p] == '"' || raw[p] == '\'') {
				quote := raw[p]
				e := p + 1
				for e < len(raw) && raw[e] != quote {
					e++
				}
				a.val, a.quoted = unescapeHTML(raw[p+1:e]), true
				p = min(e+1, len(raw))
			} else {
				e := p
				for e < len(raw) && raw[e] != '>' && !isHTMLSpace(raw[e]) {
					e++
				}
				a.val = unescapeHTML(raw[p:e])
				p = e
			}
		}
		attrs = append(attrs, a)
	}
	return attrs, slash
}

// unescapeHTML decodes the character references in an attribute value;
// most have none, and are returned as they are.
func unescapeHTML(b []byte) []byte {
	if bytes.IndexByte(b, '&') < 0 {
		return b
	}
	return []byte(html.UnescapeString(string(b)))
}

// dataURI decodes an RFC 2397 URI: "data:[type][;param]*[;base64],data".
func dataURI(raw []byte) ([]byte, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) < 5 || !bytes.EqualFold(raw[:5], []byte("data:")) {
		return nil, false
	}
	v := string(raw)
	comma := strings.IndexByte(v, ',')
	if comma < 0 {
		return nil, false
	}
	meta, payload := v[5:comma], v[comma+1:]
	if strings.HasSuffix(strings.ToLower(meta), ";base64") {
		payload = strings.Map(func(r rune) rune {
			if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
				return -1
			}
			return r
		}, payload)
		payload = strings.TrimRight(payload, "=")
		b, err := base64.RawStdEncoding.DecodeString(payload)
		if err != nil {
			// What decodes before the damage is still content.
			b, _ = base64.RawStdEncoding.DecodeString(payload[:len(payload)/4*4])
		}
		return b, len(b) > 0
	}
	u, err := url.PathUnescape(payload)
	if err != nil {
		return []byte(payload), payload != ""
	}
	return []byte(u), u != ""
}
