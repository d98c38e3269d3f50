package unpack

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/sigtool/sigtool/filetype"
	"golang.org/x/net/html"
)

// HTML is taken apart as ClamAV's HTML normaliser describes its output
// (ClamAV's signature documentation, target 3): the page is read by
// golang.org/x/net/html's tokenizer, which reads markup as browsers do
// (entities, unquoted and repeated attributes, unclosed tags), and
// yielded as two normalised views of itself for target-3 signatures:
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
	v := normalizeHTML(io.NewSectionReader(src, 0, size), w.lim)
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

// normalizeHTML tokenizes r once, writing both views and collecting data:
// URIs. The views are bounded by lim.MaxFileSize (what a member may be).
func normalizeHTML(r io.Reader, lim Limits) htmlViews {
	var v htmlViews
	max := lim.MaxFileSize
	if max <= 0 {
		max = htmlMaxToken
	}
	var nc, nt htmlText
	z := html.NewTokenizer(r)
	z.SetMaxBuf(htmlMaxToken)
	for {
		tt := z.Next()
		if int64(nc.buf.Len()) > max || int64(nt.buf.Len()) > max {
			break
		}
		switch tt {
		case html.ErrorToken:
			if err := z.Err(); err != io.EOF {
				v.err = fmt.Errorf("%w: html: %v", ErrCorrupt, err)
			}
			v.nocomment, v.notags = nc.buf.Bytes(), nt.buf.Bytes()
			return v
		case html.TextToken:
			t := z.Token().Data
			nc.text(t)
			nt.text(t)
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, _ := z.TagName()
			attrs := nc.tag(tt == html.EndTagToken, name, z.Raw())
			nt.space()
			for _, a := range attrs {
				if d, ok := dataURI(a.val); ok {
					v.data = append(v.data, d)
				}
			}
		}
		// Comments and doctypes are dropped from both views.
	}
	v.nocomment, v.notags = nc.buf.Bytes(), nt.buf.Bytes()
	return v
}

// htmlText writes lower-cased text with white space folded: a run of it
// becomes one space, and none is written right after a tag.
type htmlText struct {
	buf       bytes.Buffer
	afterTag  bool
	lastSpace bool
}

func (h *htmlText) text(s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case ' ', '\t', '\n', '\r', '\f', '\v':
			if !h.afterTag && !h.lastSpace {
				h.buf.WriteByte(' ')
				h.lastSpace = true
			}
			continue
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		h.buf.WriteByte(c)
		h.afterTag, h.lastSpace = false, false
	}
}

func (h *htmlText) space() {
	if !h.lastSpace {
		h.buf.WriteByte(' ')
		h.lastSpace = true
	}
}

// htmlAttr is an attribute as written: its value entity-decoded, and
// whether it had one and in quotes.
type htmlAttr struct {
	key, val       string
	hasVal, quoted bool
}

// tag writes a tag as ClamAV's normaliser does: the name and attribute
// names and values lower-cased, quoted values in double quotes, unquoted
// values and bare attributes as written, no space around "=", and the
// closing "/" of an empty-element tag kept. The tokenizer gives token
// boundaries; the attributes are read from the tag's raw bytes since it
// does not say how they were quoted.
func (h *htmlText) tag(end bool, name, raw []byte) []htmlAttr {
	h.buf.WriteByte('<')
	if end {
		h.buf.WriteByte('/')
	}
	h.buf.Write(name) // lower-cased by the tokenizer
	attrs, slash := parseHTMLAttrs(raw)
	for _, a := range attrs {
		h.buf.WriteByte(' ')
		h.buf.WriteString(a.key)
		switch {
		case !a.hasVal:
		case a.quoted:
			h.buf.WriteString(`="`)
			h.buf.WriteString(strings.ToLower(a.val))
			h.buf.WriteByte('"')
		default:
			h.buf.WriteByte('=')
			h.buf.WriteString(strings.ToLower(a.val))
		}
	}
	h.buf.WriteString(slash)
	h.buf.WriteByte('>')
	h.afterTag, h.lastSpace = true, false
	return attrs
}

func isHTMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

// parseHTMLAttrs reads the attributes of a raw tag ("<a href='x' b>"),
// and what closes it: "/", " /" or "".
func parseHTMLAttrs(raw []byte) (attrs []htmlAttr, slash string) {
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
		a := htmlAttr{key: strings.ToLower(string(raw[k:p]))}
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
				a.val, a.quoted = html.UnescapeString(string(raw[p+1:e])), true
				p = min(e+1, len(raw))
			} else {
				e := p
				for e < len(raw) && raw[e] != '>' && !isHTMLSpace(raw[e]) {
					e++
				}
				a.val = html.UnescapeString(string(raw[p:e]))
				p = e
			}
		}
		attrs = append(attrs, a)
	}
	return attrs, slash
}

// dataURI decodes an RFC 2397 URI: "data:[type][;param]*[;base64],data".
func dataURI(v string) ([]byte, bool) {
	v = strings.TrimSpace(v)
	if len(v) < 5 || !strings.EqualFold(v[:5], "data:") {
		return nil, false
	}
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
	b, err := url.PathUnescape(payload)
	if err != nil {
		return []byte(payload), payload != ""
	}
	return []byte(b), b != ""
}
