package mailmime

import (
	"bytes"
	"strings"
)

// A Field is one header field as it appears in the message.
type Field struct {
	// Name is the field name as written, without trailing blanks. It is
	// empty for lines that belong to no field: an mbox "From " envelope
	// line, or a continuation line before the first field.
	Name string
	// Key is the name as lenient readers take it: lower-cased, with
	// comments and blanks removed ("Content-Type(x) " -> "content-type").
	// In a strict header (Part.Header) it is just the lower-cased Name.
	Key string
	// Value is the unfolded value: line breaks inside the field are
	// removed, surrounding blanks trimmed, bytes otherwise untouched
	// (8-bit and encoded words are kept as sent).
	Value string
	// Start and End are the byte offsets of the raw field, including its
	// continuation lines and final line break.
	Start, End int
	// Raw is msg[Start:End], shared with the parsed message.
	Raw []byte
}

// Header is the ordered list of a part's fields.
type Header struct {
	Fields []Field
}

// Get returns the value of the first field called name (case-insensitive),
// or "".
func (h Header) Get(name string) string {
	for i := range h.Fields {
		if h.Fields[i].Name != "" && strings.EqualFold(h.Fields[i].Name, name) {
			return h.Fields[i].Value
		}
	}
	return ""
}

// Values returns the values of every field called name, in order.
func (h Header) Values(name string) []string {
	var vs []string
	for i := range h.Fields {
		if h.Fields[i].Name != "" && strings.EqualFold(h.Fields[i].Name, name) {
			vs = append(vs, h.Fields[i].Value)
		}
	}
	return vs
}

// Lookup returns the values of every field whose Key is key (lower
// case), in order.
func (h Header) Lookup(key string) []string {
	var vs []string
	for i := range h.Fields {
		if h.Fields[i].Key == key {
			vs = append(vs, h.Fields[i].Value)
		}
	}
	return vs
}

// Has reports whether a field called name is present.
func (h Header) Has(name string) bool {
	for i := range h.Fields {
		if h.Fields[i].Name != "" && strings.EqualFold(h.Fields[i].Name, name) {
			return true
		}
	}
	return false
}

// utf8BOM may precede the first header line; it is kept in the bytes but
// ignored when recognising the field name.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// parseHeader reads the header block of msg[start:end]. It returns the
// fields and the offset where the body starts: after the first empty line,
// or at the first line that cannot be a header field (mail without the
// blank separator line), or end.
//
// Like Python's email.feedparser, a line starting with a blank is a
// continuation even when no field precedes it, and a whitespace-only line
// is a continuation rather than the separator: only an empty line ends the
// header. Unfolding appends line by line, so a 200 KB field costs linear
// time.
func parseHeader(msg []byte, start, end int) (Header, int) {
	return readHeader(msg, start, end, false)
}

// ReadHeader reads the header block at the top of msg, strictly (as
// Parse's primary reading) or leniently (see parseHeaderLenient), and
// returns its fields and the offset where the body starts. It reads nothing
// past the header: a gateway adding or replacing a field needs no parse of
// the body.
func ReadHeader(msg []byte, lenient bool) (Header, int) {
	return readHeader(msg, 0, len(msg), lenient)
}

// parseHeaderLenient reads the header as the most forgiving clients do:
// a field name may carry comments and blanks ("Content-Type (x) :"), and
// a name folded over lines ("Content-\n Type: ...") is unfolded rather
// than ending the header. Keys are normalised (see Field.Key).
func parseHeaderLenient(msg []byte, start, end int) (Header, int) {
	return readHeader(msg, start, end, true)
}

func readHeader(msg []byte, start, end int, lenient bool) (Header, int) {
	var h Header
	var val []byte // unfolded value of the field being read
	cur := -1      // index of the field being read
	finish := func(at int) {
		if cur >= 0 {
			f := &h.Fields[cur]
			f.Value = string(trimWSP(val))
			f.End = at
			f.Raw = msg[f.Start:at:at]
		}
		cur = -1
		val = val[:0]
	}
	i := start
	for i < end {
		ce, next := lineAt(msg, i, end)
		line := msg[i:ce]
		if len(line) == 0 {
			finish(i)
			return h, next
		}
		switch {
		case isWSP(line[0]):
			if cur < 0 {
				h.Fields = append(h.Fields, Field{Start: i})
				cur = len(h.Fields) - 1
			}
			val = append(val, line...)
		default:
			name, value, ok := splitField(line, i == start)
			key := strings.ToLower(name)
			if lenient {
				name, value, next, ok = splitLenient(msg, i, end, i == start)
				key = normalizeKey(name)
			}
			if !ok {
				finish(i)
				return h, i
			}
			finish(i)
			h.Fields = append(h.Fields, Field{Name: name, Key: key, Start: i})
			cur = len(h.Fields) - 1
			val = append(val, value...)
		}
		i = next
	}
	finish(end)
	return h, end
}

// splitField splits one header line into name and value. An mbox "From "
// line is accepted as a nameless field (anywhere, as Python does with its
// "misplaced envelope header" defect). ok is false for a line that cannot be
// a header field, which ends the header.
func splitField(line []byte, first bool) (name string, value []byte, ok bool) {
	if first {
		line = bytes.TrimPrefix(line, utf8BOM)
	}
	if bytes.HasPrefix(line, []byte("From ")) || bytes.HasPrefix(line, []byte(">From ")) {
		return "", line, true
	}
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return "", nil, false
	}
	n := trimWSP(line[:colon]) // obsolete syntax allows "Subject :"
	if len(n) == 0 {
		return "", nil, false
	}
	for _, c := range n {
		if c < 33 || c > 126 {
			return "", nil, false
		}
	}
	return string(n), line[colon+1:], true
}

// splitLenient reads the field starting at msg[i] the lenient way: its
// name is everything before the first colon, even across folded lines
// (whose line breaks and indentation are dropped). next is the line after
// the one holding the colon; the value's own continuation lines are left
// to the caller.
func splitLenient(msg []byte, i, end int, first bool) (name string, value []byte, next int, ok bool) {
	ce, next := lineAt(msg, i, end)
	line := msg[i:ce]
	if first {
		line = bytes.TrimPrefix(line, utf8BOM)
	}
	if bytes.HasPrefix(line, []byte("From ")) || bytes.HasPrefix(line, []byte(">From ")) {
		return "", line, next, true
	}
	var joined []byte
	for range 4 { // a name folded over more lines than this is not a name
		if c := bytes.IndexByte(line, ':'); c >= 0 {
			joined = append(joined, trimWSP(line[:c])...)
			if normalizeKey(string(joined)) == "" || bytes.IndexByte(joined, 0) >= 0 {
				return "", nil, 0, false
			}
			return string(joined), line[c+1:], next, true
		}
		joined = append(joined, trimWSP(line)...)
		if next >= end || !isWSP(msg[next]) {
			return "", nil, 0, false
		}
		ls := next
		ce, next = lineAt(msg, ls, end)
		line = msg[ls:ce]
	}
	return "", nil, 0, false
}

// normalizeKey lower-cases a field name and drops comments and blanks.
func normalizeKey(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); {
		switch c := name[i]; {
		case c == '(':
			i = skipComment(name, i)
		case c <= ' ' || c == 0x7f:
			i++
		default:
			b.WriteByte(c)
			i++
		}
	}
	return strings.ToLower(b.String())
}
