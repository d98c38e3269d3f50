package unpack

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
)

// RTF: the embedded objects of \objdata groups, the way malware reaches
// Word through RTF. An object is hex text (with \binN runs of raw bytes)
// holding an OLE1 object (MS-OLEDS 2.2.4): a header naming the class, then
// the native data. A "Package" object's native data is an OLE1 package
// whose file is yielded as "objdata-N/<file name>"; any other class's
// native data (usually a compound file: Word, Excel, Equation Editor) as
// "objdata-N", which the scan then opens by its own magic.
//
// Word reads RTF loosely, and exploit kits lean on it: only "{\rt" is
// needed at the start, control words and white space may be sprinkled
// through the hex, and an odd digit is dropped. The decoder here follows
// Word, not the specification.

var magicRTF = []byte(`{\rt`)

func (w *walker) rtf(src io.ReaderAt, size int64) error {
	data, err := readAllAt(src, size)
	if err != nil {
		return err
	}
	n := 0
	for _, obj := range rtfObjects(data) {
		n++
		name := fmt.Sprintf("objdata-%d", n)
		class, native, ok := parseOLE1Object(obj)
		w.info.MemberCount++
		var stop error
		switch {
		case ok && class == "Package":
			if fname, file, ok := parseOle10Native(withLengthPrefix(native)); ok {
				_, stop = w.emit(name+"/"+fname, false, func() (io.Reader, error) { return bytes.NewReader(file), nil })
				break
			}
			fallthrough
		case ok:
			_, stop = w.emit(name, false, func() (io.Reader, error) { return bytes.NewReader(native), nil })
		default:
			_, stop = w.emit(name, false, func() (io.Reader, error) { return bytes.NewReader(obj), nil })
		}
		if stop != nil {
			return stop
		}
	}
	return nil
}

// rtfObjects decodes every \objdata group.
func rtfObjects(data []byte) [][]byte {
	var objs [][]byte
	for i := 0; ; {
		k := bytes.Index(data[i:], []byte(`\objdata`))
		if k < 0 {
			return objs
		}
		at := i + k + len(`\objdata`)
		if at < len(data) && isRTFLetter(data[at]) {
			i = at // \objdataX is another word
			continue
		}
		obj, end := decodeRTFHex(data, at)
		if len(obj) > 0 {
			objs = append(objs, obj)
		}
		i = max(end, at)
	}
}

func isRTFLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// decodeRTFHex reads hex digits from p to the end of the enclosing group,
// skipping control words, white space and ignorable destinations ({\*...}),
// and taking \binN's raw bytes as they are.
func decodeRTFHex(data []byte, p int) ([]byte, int) {
	var out []byte
	var hi byte
	half := false
	depth := 0
	for p < len(data) {
		c := data[p]
		switch {
		case c == '}':
			if depth == 0 {
				return out, p + 1
			}
			depth--
			p++
		case c == '{':
			if bytes.HasPrefix(data[p+1:], []byte(`\*`)) {
				p = skipRTFGroup(data, p)
			} else {
				depth++
				p++
			}
		case c == '\\':
			p++
			s := p
			for p < len(data) && isRTFLetter(data[p]) {
				p++
			}
			word := string(data[s:p])
			ns := p
			if p < len(data) && data[p] == '-' {
				p++
			}
			for p < len(data) && data[p] >= '0' && data[p] <= '9' && p-ns < 11 {
				p++
			}
			arg := data[ns:p]
			if p < len(data) && data[p] == ' ' {
				p++
			}
			if word == "" && p < len(data) { // a control symbol: \' \\ \{ ...
				p++
				continue
			}
			if word == "bin" {
				n, err := strconv.Atoi(string(arg))
				if err == nil && n > 0 {
					n = min(n, len(data)-p)
					out = append(out, data[p:p+n]...)
					p += n
				}
			}
		default:
			if v, ok := hexVal(c); ok {
				if half {
					out = append(out, hi<<4|v)
				} else {
					hi = v
				}
				half = !half
			}
			p++
		}
	}
	return out, p
}

// skipRTFGroup returns the position after the group that opens at p.
func skipRTFGroup(data []byte, p int) int {
	depth := 0
	for ; p < len(data); p++ {
		switch data[p] {
		case '\\':
			p++ // an escaped brace does not count
		case '{':
			depth++
		case '}':
			if depth--; depth == 0 {
				return p + 1
			}
		}
	}
	return p
}

// parseOLE1Object reads an ObjectHeader and EmbeddedObject (MS-OLEDS
// 2.2.4, 2.2.5): version, format id (2 embedded), class, topic and item
// names as length-prefixed strings, then the native data with its size.
func parseOLE1Object(b []byte) (class string, native []byte, ok bool) {
	if len(b) < 8 {
		return "", nil, false
	}
	p := 8
	str := func() (string, bool) {
		if p+4 > len(b) {
			return "", false
		}
		n := int(binary.LittleEndian.Uint32(b[p:]))
		p += 4
		if n < 0 || n > len(b)-p {
			return "", false
		}
		s := string(bytes.TrimRight(b[p:p+n], "\x00"))
		p += n
		return s, true
	}
	class, ok1 := str()
	_, ok2 := str()
	_, ok3 := str()
	if !ok1 || !ok2 || !ok3 || p+4 > len(b) {
		return "", nil, false
	}
	n := int(binary.LittleEndian.Uint32(b[p:]))
	p += 4
	native = b[p:]
	if n >= 0 && n < len(native) {
		native = native[:n]
	}
	return class, native, true
}

// withLengthPrefix gives native package data the u32 size that an
// Ole10Native stream starts with.
func withLengthPrefix(b []byte) []byte {
	out := binary.LittleEndian.AppendUint32(make([]byte, 0, len(b)+4), uint32(len(b)))
	return append(out, b...)
}
