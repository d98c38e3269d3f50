package mailscan

import (
	"bytes"
	"encoding/base64"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
)

// eolOf returns the line ending the message uses first, so inserted text
// matches it; "\n" for a message without any.
func eolOf(msg []byte) []byte {
	for i, c := range msg {
		switch c {
		case '\n':
			return []byte("\n")
		case '\r':
			if i+1 < len(msg) && msg[i+1] == '\n' {
				return []byte("\r\n")
			}
			return []byte("\r")
		}
	}
	return []byte("\n")
}

// endsWithEOL reports whether b ends in a line break.
func endsWithEOL(b []byte) bool {
	return len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r')
}

// base64Lines encodes data in lines of 76 characters joined by eol,
// without a final line break.
func base64Lines(data, eol []byte) []byte {
	enc := base64.StdEncoding.EncodeToString(data)
	var out bytes.Buffer
	for len(enc) > 76 {
		out.WriteString(enc[:76])
		out.Write(eol)
		enc = enc[76:]
	}
	out.WriteString(enc)
	return out.Bytes()
}

// qpLine encodes one line of text (no line break in it) as
// quoted-printable, with soft line breaks so no line passes 76 characters.
func qpLine(line, eol []byte) []byte {
	const hex = "0123456789ABCDEF"
	var out []byte
	n := 0 // length of the current output line
	for i, c := range line {
		var tok []byte
		last := i == len(line)-1
		switch {
		case (c == ' ' || c == '\t') && !last:
			tok = []byte{c}
		case c >= 33 && c <= 126 && c != '=':
			tok = []byte{c}
		default:
			tok = []byte{'=', hex[c>>4], hex[c&15]}
		}
		if n+len(tok) > 75 {
			out = append(out, '=')
			out = append(out, eol...)
			n = 0
		}
		out = append(out, tok...)
		n += len(tok)
	}
	return out
}

// qpBody encodes text as quoted-printable, line by line, with eol
// between lines (a trailing line break is kept as one).
func qpBody(text, eol []byte) []byte {
	var out []byte
	for i := 0; i < len(text); {
		j := bytes.IndexByte(text[i:], '\n')
		line, next, brk := text[i:], len(text), false
		if j >= 0 {
			line, next, brk = text[i:i+j], i+j+1, true
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		out = append(out, qpLine(line, eol)...)
		if brk {
			out = append(out, eol...)
		}
		i = next
	}
	return out
}

// isASCII reports whether b holds only 7-bit bytes.
func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// asciiProbe must encode to itself in any charset we write into: the
// banner's structure (dashes, blanks, line breaks) is ASCII, and a reader
// that decodes with the part's charset must see it unchanged.
const asciiProbe = "-- Az09 (.:/@) \r\n"

// encodeLines converts UTF-8 lines of text to the named charset, one line
// at a time so that stateful charsets (ISO-2022-JP) return to ASCII at
// each line end. ok is false when the charset is unknown, is not
// ASCII-compatible (UTF-16, UTF-32), or cannot represent the text: the
// caller must then write a part of its own in UTF-8.
func encodeLines(lines []string, charset string) ([][]byte, bool) {
	name := strings.ToLower(strings.Trim(strings.TrimSpace(charset), `"'`))
	var enc encoding.Encoding
	switch name {
	case "", "us-ascii", "ascii", "ansi_x3.4-1968":
		for _, l := range lines {
			if !isASCII([]byte(l)) {
				return nil, false
			}
		}
	case "utf-8", "utf8":
	default:
		var err error
		if enc, err = htmlindex.Get(name); err != nil || enc == nil {
			if enc, err = ianaindex.MIME.Encoding(name); err != nil || enc == nil {
				return nil, false
			}
		}
		if p, err := enc.NewEncoder().String(asciiProbe); err != nil || p != asciiProbe {
			return nil, false
		}
	}
	out := make([][]byte, 0, len(lines))
	for _, l := range lines {
		if !utf8.ValidString(l) {
			return nil, false
		}
		if enc == nil {
			out = append(out, []byte(l))
			continue
		}
		b, err := enc.NewEncoder().Bytes([]byte(l))
		if err != nil {
			return nil, false
		}
		out = append(out, b)
	}
	return out, true
}
