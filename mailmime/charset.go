package mailmime

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
)

// decodeCharset converts b from the named charset to UTF-8. Names are
// looked up with the WHATWG table (which knows the aliases mailers use:
// sjis, x-sjis, ks_c_5601-1987, gb2312...) and then IANA's. UTF-7 is
// decoded here because x/text lacks it. ok is false for an unknown charset
// or a decoder error; b is then returned unchanged, because losing the
// bytes of a name would be worse than showing them raw.
func decodeCharset(name string, b []byte) (string, bool) {
	name = strings.ToLower(strings.Trim(strings.TrimSpace(name), `"'`))
	if i := strings.IndexByte(name, '*'); i >= 0 { // RFC 2231 language suffix
		name = name[:i]
	}
	switch name {
	case "", "us-ascii", "ascii", "utf-8", "utf8":
		return string(b), utf8.Valid(b)
	case "utf-7", "unicode-1-1-utf-7", "x-unicode-2-0-utf-7", "csunicode11utf7":
		return decodeUTF7(b), true
	case "iso-8859-11", "tis-620", "iso_8859-11":
		// windows-874 is a superset of TIS-620 / ISO-8859-11.
		return decodeWith(charmap.Windows874, b)
	}
	enc, err := htmlindex.Get(name)
	if err != nil || enc == nil {
		enc, err = ianaindex.MIME.Encoding(name)
		if err != nil || enc == nil {
			return string(b), false
		}
	}
	return decodeWith(enc, b)
}

func decodeWith(enc encoding.Encoding, b []byte) (string, bool) {
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return string(b), false
	}
	return string(out), true
}

// decodeUTF7 decodes RFC 2152 UTF-7: "+" starts a run of modified base64
// holding UTF-16 code units, ended by any non-base64 byte ("-" is absorbed);
// "+-" is a literal plus. Broken runs keep the bits decoded so far.
func decodeUTF7(b []byte) string {
	var out []rune
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '+' {
			out = append(out, rune(c))
			continue
		}
		i++
		if i < len(b) && b[i] == '-' {
			out = append(out, '+')
			continue
		}
		var units []uint16
		var acc uint32
		bits := 0
		for ; i < len(b); i++ {
			v := b64val[b[i]]
			if v < 0 {
				break
			}
			acc = acc<<6 | uint32(v)
			bits += 6
			if bits >= 16 {
				bits -= 16
				units = append(units, uint16(acc>>uint(bits)))
				acc &= 1<<uint(bits) - 1
			}
		}
		out = append(out, utf16.Decode(units)...)
		if i < len(b) && b[i] != '-' {
			i-- // the terminator is ordinary text
		}
	}
	return string(out)
}
