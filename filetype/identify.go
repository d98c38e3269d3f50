package filetype

import (
	"bytes"
	"encoding/binary"
	"unicode/utf8"
)

// HeadSize is how many leading bytes Identify looks at, as ClamAV does.
const HeadSize = 1024

// Identify returns the type of content that starts with head: give it the
// first HeadSize bytes (the whole content when shorter). It follows
// ClamAV's typing of a file (cli_determine_fmap_type): magic bytes at fixed
// offsets first, else the text classes; an old tar header by its checksum;
// a zip that names Office Open XML parts in its first local headers as
// that document type; and text or binary data in which a type signature
// matches inside the head (HTML tags, mail headers, a PE header behind
// other bytes, ...) as that type, also after reading it as UTF-16.
//
// Only the magic decides: a file that starts with "MZ" is CL_TYPE_MSEXE
// even when its PE header is damaged, and one that starts with "\x7fELF"
// is CL_TYPE_ELF whatever its section table holds.
func Identify(head []byte) Type {
	if len(head) > HeadSize {
		head = head[:HeadSize]
	}
	t := byMagic(head)
	switch t {
	case BinaryData:
		if tar := oldTar(head); tar != Any {
			return tar
		}
	case Zip:
		return ooxml(head)
	}
	if t < TextASCII || t > BinaryData {
		return t
	}
	if s := headSigs(head); s >= TextASCII && !s.sfx() {
		return s
	}
	if dec := utf16Low(head); dec != nil && headSigs(dec) == HTML {
		return HTMLUTF16
	}
	if dec := decodeBOM(head); dec != nil && headSigs(dec) == HTML {
		return HTML
	}
	return t
}

// byMagic returns the type of the last matching magic entry, or the text
// class of head when none matches.
func byMagic(head []byte) Type {
	for i := len(magics) - 1; i >= 0; i-- {
		mg := &magics[i]
		if mg.off+len(mg.bytes) <= len(head) && bytes.Equal(head[mg.off:mg.off+len(mg.bytes)], mg.bytes) {
			return mg.t
		}
	}
	return textType(head)
}

// sfx reports whether t is a self-extracting archive type, which a type
// signature inside the head does not make the type of the whole content.
func (t Type) sfx() bool {
	switch t {
	case ZipSFX, ARJSFX, RARSFX, EggSFX, CABSFX, SevenZipSFX:
		return true
	}
	return false
}

// oldTar recognises a tar header that has no "ustar" magic (which magics
// would have found) by its checksum. A GNU header's "ustar  " makes it
// POSIX_TAR, anything else with a right checksum OLD_TAR.
func oldTar(b []byte) Type {
	if len(b) < 512 {
		return Any
	}
	want, ok := octal(b[148:156])
	if !ok {
		return Any
	}
	sum := 0
	for i, c := range b[:512] {
		if i >= 148 && i < 156 {
			c = ' '
		}
		sum += int(c)
	}
	if sum != want {
		return Any
	}
	if magic := b[257:265]; bytes.Equal(magic, []byte("ustar  \x00")) {
		return PosixTar
	}
	return OldTar
}

// octal reads a checksum field: optional leading spaces, octal digits,
// then a space or NUL (or the end of the field).
func octal(f []byte) (int, bool) {
	i := 0
	for i < len(f) && (f[i] == ' ' || (f[i] >= '\t' && f[i] <= '\r')) {
		i++
	}
	if i == len(f) {
		return 0, false
	}
	v := 0
	for ; i < len(f) && f[i] >= '0' && f[i] <= '7'; i++ {
		v = v<<3 | int(f[i]-'0')
	}
	if i < len(f) && f[i] != 0 && f[i] != ' ' && (f[i] < '\t' || f[i] > '\r') {
		return 0, false
	}
	return v, true
}

// ooxmlParts are leading member names by which ClamAV tells Office Open
// XML documents from other zips (its list also has names that only say
// "likely a document", which a whole-archive check then confirms; that
// check needs more than the head and is left to the zip's walker).
var ooxmlParts = []struct {
	prefix string
	t      Type
}{
	{"xl/", OOXMLXL},
	{"ppt/", OOXMLPPT},
	{"word/", OOXMLWord},
	{"Contents/content.hpf", OOXMLHWP},
}

// zipLocalHeader is the size of a zip local file header before its name.
const zipLocalHeader = 30

// ooxml looks at the names of up to three local headers in the head.
func ooxml(head []byte) Type {
	if len(head) <= 2*(zipLocalHeader+5) {
		return Zip // ClamAV looks only at heads longer than two headers
	}
	rest := head
	for n := 0; n < 3; n++ {
		i := bytes.Index(rest, []byte("PK\x03\x04"))
		if i < 0 || i+zipLocalHeader > len(rest) {
			break
		}
		name := rest[i+zipLocalHeader:]
		if len(name) <= 22 {
			break // ClamAV wants room for its longest name
		}
		for _, p := range ooxmlParts {
			if bytes.HasPrefix(name, []byte(p.prefix)) {
				return p.t
			}
		}
		rest = name
	}
	return Zip
}

// utf16Low folds each 16-bit unit into one byte as ClamAV does before it
// looks for HTML in UTF-16 text: the low byte plus the high byte shifted
// by four bits, so little-endian ASCII comes out as itself.
func utf16Low(b []byte) []byte {
	if len(b) < 2 {
		return nil
	}
	out := make([]byte, len(b)/2)
	for i := range out {
		out[i] = b[2*i+1]<<4 + b[2*i]
	}
	return out
}

// decodeBOM decodes content whose first bytes announce a UTF-16 or UCS-4
// encoding (a byte-order mark, or "<" or "<?" in a wide form) into UTF-8,
// or returns nil.
func decodeBOM(b []byte) []byte {
	if len(b) < 4 {
		return nil
	}
	width, order := 0, binary.ByteOrder(nil)
	var skip int
	switch {
	case b[0] == 0 && b[1] == 0 && b[2] == 0xfe && b[3] == 0xff:
		width, order, skip = 4, binary.BigEndian, 4
	case b[0] == 0 && b[1] == 0 && b[2] == 0 && b[3] == '<':
		width, order = 4, binary.BigEndian
	case b[0] == 0xff && b[1] == 0xfe && b[2] == 0 && b[3] == 0:
		width, order, skip = 4, binary.LittleEndian, 4
	case b[0] == '<' && b[1] == 0 && b[2] == 0 && b[3] == 0:
		width, order = 4, binary.LittleEndian
	case b[0] == 0xff && b[1] == 0xfe:
		width, order, skip = 2, binary.LittleEndian, 2
	case b[0] == 0xfe && b[1] == 0xff:
		width, order, skip = 2, binary.BigEndian, 2
	case b[0] == 0 && b[1] == '<' && b[2] == 0 && b[3] == '?':
		width, order = 2, binary.BigEndian
	case b[0] == '<' && b[1] == 0 && b[2] == '?' && b[3] == 0:
		width, order = 2, binary.LittleEndian
	default:
		// The unusual UCS-4 byte orders (2143, 3412) are not decoded.
		return nil
	}
	var out []byte
	for i := skip; i+width <= len(b); i += width {
		var r rune
		if width == 2 {
			r = rune(order.Uint16(b[i:]))
		} else {
			r = rune(order.Uint32(b[i:]))
		}
		out = utf8.AppendRune(out, r)
	}
	return out
}

// headSigs runs the type signatures over a head (or its decoding): those
// counted from the end of the content need its size, which typing a head
// does not know (ClamAV's does not either).
func headSigs(head []byte) Type { return scanWindow(head, true, false) }
