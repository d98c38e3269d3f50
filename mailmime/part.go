package mailmime

import (
	"path"
	"strings"
)

// A Range is a half-open byte range [Start, End) of the parsed message.
type Range struct{ Start, End int }

// Len returns the number of bytes in r.
func (r Range) Len() int { return r.End - r.Start }

// A Part is one MIME entity: the message itself, a multipart container, a
// message/rfc822 wrapper, the message inside it, or a leaf.
//
// Offsets index the buffer given to Parse (Source). msg[Start:BodyStart]
// is the header including the blank separator line, msg[BodyStart:End] the
// body. For a part inside a multipart, End stops before the line break
// that belongs to the next delimiter line. So the gaps between a
// multipart's Preamble, its children and its Epilogue hold nothing but
// delimiter lines, and a rewriter can replace msg[Start:End] of one part
// and keep every other byte.
type Part struct {
	Header Header

	ContentType string            // lower-cased type/subtype, defaulted
	Params      map[string]string // Content-Type params, lower-cased keys, decoded
	Disposition string            // lower-cased, "" if absent
	DispParams  map[string]string // Content-Disposition params
	Encoding    string            // lower-cased Content-Transfer-Encoding, "" if absent

	// Filename is the decoded file name (Content-Disposition filename,
	// else Content-Type name; RFC 2231 and RFC 2047 decoded). RawFilename
	// is the same parameter as sent, quotes removed but encoding kept
	// (RFC 2231 segments joined), for length rules on the wire form.
	Filename    string
	RawFilename string

	Boundary string // the multipart boundary actually found in the body

	Parent   *Part
	Children []*Part
	// Alternates are other readings of the part's bytes: the second of
	// two disagreeing Content-Type fields (both readings are walked, so a
	// scanner sees the union), or the decoded copy of a message/rfc822
	// sent with base64 or quoted-printable (its offsets index that copy;
	// see Source). Alternate subtrees are not part of the byte tiling;
	// Walk visits them after Children.
	Alternates []*Part
	Depth      int

	IsPartial bool // message/partial: a fragment, not descended

	Start, BodyStart, End int
	Preamble, Epilogue    Range // multiparts with children only

	// Defects lists what was wrong but survivable (missing closing
	// boundary, ...). Errors that mean "not everything was walked" are
	// also returned by Parse.
	Defects []error

	msg        []byte
	rawParams  map[string]string   // Content-Type params as sent
	everyParam map[string][]string // every value of repeated params
	alternate  bool
	loose      bool // delimiter lines matched loosely (see delimKind)
	pastClose  bool // a close delimiter does not end the parts
}

// Source returns the buffer the offsets of p index.
func (p *Part) Source() []byte { return p.msg }

// Raw returns the part's bytes, header and body.
func (p *Part) Raw() []byte { return p.msg[p.Start:p.End:p.End] }

// HeaderBytes returns the raw header including the blank separator line.
func (p *Part) HeaderBytes() []byte { return p.msg[p.Start:p.BodyStart:p.BodyStart] }

// Body returns the raw, still encoded body.
func (p *Part) Body() []byte { return p.msg[p.BodyStart:p.End:p.End] }

// PreambleBytes and EpilogueBytes return the text around a multipart's
// parts. Mail clients ignore it, but a thorough scanner should not.
func (p *Part) PreambleBytes() []byte {
	return p.msg[p.Preamble.Start:p.Preamble.End:p.Preamble.End]
}

// EpilogueBytes returns the text after the closing delimiter.
func (p *Part) EpilogueBytes() []byte {
	return p.msg[p.Epilogue.Start:p.Epilogue.End:p.Epilogue.End]
}

// IsMultipart reports whether p was split into parts by a boundary.
func (p *Part) IsMultipart() bool {
	return strings.HasPrefix(p.ContentType, "multipart/") && p.Boundary != ""
}

// IsLeaf reports whether p has no children.
func (p *Part) IsLeaf() bool { return len(p.Children) == 0 }

// InAlternate reports whether p belongs to an Alternate reading.
func (p *Part) InAlternate() bool { return p.alternate }

// IsAttachment reports whether p is a "binary attachment" for the gateway
// policy: a leaf that is not text/*, carries a file name, or is disposed
// as an attachment (a reader offers to save any of them as a file).
func (p *Part) IsAttachment() bool {
	if !p.IsLeaf() {
		return false
	}
	return !strings.HasPrefix(p.ContentType, "text/") || p.Filename != "" || p.Disposition == "attachment"
}

// Ext returns the lower-cased extension of Filename with its dot, or "".
func (p *Part) Ext() string {
	if p.Filename == "" {
		return ""
	}
	return strings.ToLower(path.Ext(strings.ReplaceAll(p.Filename, "\\", "/")))
}

// Replace returns a copy of the whole message with p's bytes
// (msg[Start:End]) replaced by repl; every other byte is unchanged.
func (p *Part) Replace(repl []byte) []byte {
	out := make([]byte, 0, len(p.msg)-(p.End-p.Start)+len(repl))
	out = append(out, p.msg[:p.Start]...)
	out = append(out, repl...)
	return append(out, p.msg[p.End:]...)
}

// Walk calls fn for p and every part below it in document order: a part,
// then its children, then its Alternates. It stops at the
// first error fn returns and returns it.
func Walk(p *Part, fn func(p *Part) error) error {
	if p == nil {
		return nil
	}
	if err := fn(p); err != nil {
		return err
	}
	for _, c := range p.Children {
		if err := Walk(c, fn); err != nil {
			return err
		}
	}
	for _, a := range p.Alternates {
		if err := Walk(a, fn); err != nil {
			return err
		}
	}
	return nil
}
