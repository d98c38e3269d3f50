package unpack

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// TNEF (Transport Neutral Encapsulation Format, "winmail.dat") facts used
// here, from Microsoft's [MS-OXTNEF]: a stream is a little-endian uint32
// signature, a uint16 key, then attributes of
//
//	level uint8 | id uint32 (type<<16 | tag) | length uint32 | data | checksum uint16
//
// At attachment level, attAttachRendData opens a new attachment,
// attAttachTitle holds its 8-bit file name, attAttachData its bytes, and
// attAttachment a MAPI property list that may carry the long file name and,
// for embedded messages, a nested TNEF stream.
const (
	tnefSignature = 0x223E9F78

	tnefLevelAttachment = 0x02

	attAttachRendData = 0x00069002
	attAttachTitle    = 0x00018010
	attAttachData     = 0x0006800F
	attAttachment     = 0x00069005

	prAttachDataObj      = 0x3701
	prAttachFilename     = 0x3704
	prAttachLongFilename = 0x3707

	ptString8 = 0x001E
	ptUnicode = 0x001F
	ptBinary  = 0x0102
	ptObject  = 0x000D
	ptMV      = 0x1000

	maxTNEFNesting = 8
)

// tnef yields the attachments of a TNEF stream as members, those of
// embedded messages after the others.
func (w *walker) tnef(src io.ReaderAt, size int64) error {
	data, err := io.ReadAll(io.NewSectionReader(src, 0, size))
	if err != nil {
		return fmt.Errorf("%w: tnef: %w", ErrCorrupt, err)
	}
	files, ferr := readTNEF(data, 0)
	w.info.MemberCount = len(files)
	for _, f := range files {
		_, stop := w.emit(f.name, false, func() (io.Reader, error) { return bytes.NewReader(f.data), nil })
		if stop != nil {
			return stop
		}
	}
	return ferr
}

// tnefFile is one attachment of a TNEF stream.
type tnefFile struct {
	name string
	data []byte
}

type tnefAtt struct {
	title, long, short string
	data, obj          []byte
	hasData            bool
}

// readTNEF reads the attachments of a TNEF stream. The checksums are not
// enforced (a scanner wants the bytes either way). On a truncated or
// corrupt stream it returns what it has read so far, with the last
// attachment's data cut short, and an error wrapping ErrCorrupt; data
// without the TNEF signature gives ErrFormat.
func readTNEF(b []byte, nest int) ([]tnefFile, error) {
	if len(b) < 6 || binary.LittleEndian.Uint32(b) != tnefSignature {
		return nil, fmt.Errorf("%w: no TNEF signature", ErrFormat)
	}
	var atts []*tnefAtt
	var nested []tnefFile
	var cur *tnefAtt
	var ferr error
	p := 6
	for p < len(b) {
		if len(b)-p < 9 {
			// Too short for an attribute: padding some writers leave
			// (ClamAV's own test stream ends in one stray byte). It
			// cannot hold content, so it is no reason for doubt.
			break
		}
		level := b[p]
		id := binary.LittleEndian.Uint32(b[p+1:])
		n := binary.LittleEndian.Uint32(b[p+5:])
		p += 9
		val := b[p:]
		if uint64(n) > uint64(len(val)) {
			ferr = fmt.Errorf("%w: attribute %#08x at byte %d claims %d bytes, %d left", ErrCorrupt, id, p-9, n, len(val))
		} else {
			val = val[:n]
		}
		if level == tnefLevelAttachment {
			switch id {
			case attAttachRendData:
				cur = &tnefAtt{}
				atts = append(atts, cur)
			case attAttachTitle, attAttachData, attAttachment:
				if cur == nil { // data before any RendData: still keep it
					cur = &tnefAtt{}
					atts = append(atts, cur)
				}
				switch id {
				case attAttachTitle:
					cur.title = string8(val)
				case attAttachData:
					cur.data, cur.hasData = val, true
				case attAttachment:
					readAttachProps(val, cur)
				}
			}
		}
		if ferr != nil {
			break
		}
		p += int(n) + 2 // value and checksum
	}
	var out []tnefFile
	for _, a := range atts {
		name := a.long
		if name == "" {
			name = a.title
		}
		if name == "" {
			name = a.short
		}
		data := a.data
		if !a.hasData && a.obj != nil {
			data = a.obj
		}
		if len(a.obj) > 16 && nest < maxTNEFNesting {
			// An embedded message: PR_ATTACH_DATA_OBJ is an interface ID
			// followed by a TNEF stream of its own.
			if sub, err := readTNEF(a.obj[16:], nest+1); err == nil || len(sub) > 0 {
				nested = append(nested, sub...)
			}
		}
		if data == nil && name == "" {
			continue
		}
		out = append(out, tnefFile{name: name, data: data})
	}
	return append(out, nested...), ferr
}

// readAttachProps picks file names and the data object out of a MAPI
// property list. It stops quietly at the first malformed property: the
// names are a convenience, the data came from attAttachData anyway.
func readAttachProps(b []byte, a *tnefAtt) {
	r := tnefReader{b: b}
	count := r.u32()
	for i := uint32(0); i < count && r.ok(); i++ {
		typ := r.u16()
		tag := r.u16()
		if tag >= 0x8000 { // named property: GUID, kind, id or name
			r.skip(16)
			if r.u32() == 0 {
				r.skip(4)
			} else {
				r.skip(pad4(int(r.u32())))
			}
		}
		base := typ &^ ptMV
		variable := base == ptString8 || base == ptUnicode || base == ptBinary || base == ptObject
		vals := uint32(1)
		if typ&ptMV != 0 || variable {
			// Variable-length types carry a value count even when single.
			vals = r.u32()
		}
		size, fixed := fixedSize(base)
		if !variable && (!fixed || size == 0) {
			return // unknown type: its length is unknowable
		}
		for v := uint32(0); v < vals && r.ok(); v++ {
			if !variable {
				r.skip(size)
				continue
			}
			n := r.u32()
			val := r.bytes(int(min(n, uint32(len(b)))))
			r.skip(pad4(len(val)) - len(val))
			if !r.ok() {
				return
			}
			switch {
			case tag == prAttachLongFilename && base == ptUnicode:
				a.long = utf16z(val)
			case tag == prAttachLongFilename && base == ptString8:
				a.long = string8(val)
			case tag == prAttachFilename && base == ptUnicode:
				a.short = utf16z(val)
			case tag == prAttachFilename && base == ptString8:
				a.short = string8(val)
			case tag == prAttachDataObj:
				a.obj = val
			}
		}
	}
}

// fixedSize gives the padded size of a fixed-length MAPI value.
func fixedSize(t uint16) (int, bool) {
	switch t {
	case 0x0001: // PtypNull
		return 0, true
	case 0x0002, 0x0003, 0x0004, 0x000A, 0x000B: // i2, i4, float, error, bool
		return 4, true
	case 0x0005, 0x0006, 0x0007, 0x0014, 0x0040: // double, currency, apptime, i8, systime
		return 8, true
	case 0x0048: // clsid
		return 16, true
	}
	return 0, false
}

func pad4(n int) int { return (n + 3) &^ 3 }

// tnefReader reads little-endian values and remembers running short.
type tnefReader struct {
	b   []byte
	p   int
	bad bool
}

func (r *tnefReader) ok() bool { return !r.bad }

func (r *tnefReader) bytes(n int) []byte {
	if r.bad || n < 0 || n > len(r.b)-r.p {
		r.bad = true
		return nil
	}
	v := r.b[r.p : r.p+n]
	r.p += n
	return v
}

func (r *tnefReader) skip(n int) { r.bytes(n) }

func (r *tnefReader) u16() uint16 {
	if v := r.bytes(2); v != nil {
		return binary.LittleEndian.Uint16(v)
	}
	return 0
}

func (r *tnefReader) u32() uint32 {
	if v := r.bytes(4); v != nil {
		return binary.LittleEndian.Uint32(v)
	}
	return 0
}

// string8 reads a NUL-terminated 8-bit string; non-UTF-8 bytes are taken
// as windows-1252, the usual code page of these names.
func string8(b []byte) string {
	if i := strings.IndexByte(string(b), 0); i >= 0 {
		b = b[:i]
	}
	if utf8.Valid(b) {
		return string(b)
	}
	s, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		return string(b)
	}
	return string(s)
}

// utf16z decodes NUL-terminated UTF-16LE.
func utf16z(b []byte) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		c := binary.LittleEndian.Uint16(b[i:])
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	return string(utf16.Decode(u))
}
