package unpack

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
)

// BinHex 4.0 facts (Apple's RFC 1741 description): the text between two
// ':' characters, after a "(This file must be converted with BinHex 4.0)"
// line, holds 6-bit values from binhexAlphabet (line breaks ignored). Their
// bytes are run-length coded with 0x90 ("c 0x90 n" is n copies of c,
// "0x90 0x00" a literal 0x90) and form a header (name length, name, a
// version byte, type, creator, flags, data and resource fork lengths big
// endian, CRC), the data fork and its CRC, the resource fork and its CRC.
const binhexAlphabet = "!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr"

// BinHexPrefix starts every BinHex 4.0 file; [Identify] and mail text
// scanners look for it.
var BinHexPrefix = []byte("(This file must be converted with BinHex")

var binhexVal = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(binhexAlphabet); i++ {
		t[binhexAlphabet[i]] = int8(i)
	}
	return t
}()

// BinHexEnd returns the length of the BinHex block at the start of b: up
// to and including the closing ':' (or all of b when it is missing).
func BinHexEnd(b []byte) int {
	open := bytes.IndexByte(b, ':')
	if open < 0 {
		return len(b)
	}
	if c := bytes.IndexByte(b[open+1:], ':'); c >= 0 {
		return open + 1 + c + 1
	}
	return len(b)
}

// decodeBinHex returns the name and forks of a BinHex 4.0 block. Bad
// characters end the data; a stream cut short yields what it has with an
// error wrapping ErrCorrupt. CRCs are not enforced.
func decodeBinHex(b []byte) (name string, data, rsrc []byte, err error) {
	open := bytes.IndexByte(b, ':')
	if open < 0 {
		return "", nil, nil, fmt.Errorf("%w: binhex: no ':' start", ErrCorrupt)
	}
	var raw []byte
	var acc uint32
	bits := 0
	for _, c := range b[open+1:] {
		if c == ':' {
			break
		}
		v := binhexVal[c]
		if v < 0 {
			if c == '\r' || c == '\n' || c == ' ' || c == '\t' {
				continue
			}
			break
		}
		acc = acc<<6 | uint32(v)
		bits += 6
		if bits >= 8 {
			bits -= 8
			raw = append(raw, byte(acc>>bits))
		}
	}
	out := unRLE90(raw)
	if len(out) < 1 || len(out) < 1+int(out[0])+1+4+4+2+4+4+2 {
		return "", nil, nil, fmt.Errorf("%w: binhex: header cut short", ErrCorrupt)
	}
	n := int(out[0])
	name = string(out[1 : 1+n])
	h := out[1+n+1:]
	dlen := binary.BigEndian.Uint32(h[10:])
	rlen := binary.BigEndian.Uint32(h[14:])
	rest := h[20:]
	take := func(k uint32) []byte {
		if uint64(k) > uint64(len(rest)) {
			err = fmt.Errorf("%w: binhex: fork of %d bytes cut at %d", ErrCorrupt, k, len(rest))
			k = uint32(len(rest))
		}
		f := rest[:k]
		rest = rest[k:]
		rest = rest[min(2, len(rest)):] // CRC
		return f
	}
	data = take(dlen)
	if err == nil {
		rsrc = take(rlen)
	}
	return name, data, rsrc, err
}

// unRLE90 undoes BinHex's run-length coding.
func unRLE90(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != 0x90 || i+1 >= len(b) {
			out = append(out, b[i])
			continue
		}
		i++
		n := int(b[i])
		switch {
		case n == 0:
			out = append(out, 0x90)
		case len(out) > 0:
			for c := out[len(out)-1]; n > 1; n-- {
				out = append(out, c)
			}
		}
	}
	return out
}

// binhex yields a BinHex file's data fork (named as stored) and its
// resource fork, when it has one, as NAME/rsrc.
func (w *walker) binhex(src io.ReaderAt, size int64) error {
	text, err := io.ReadAll(io.NewSectionReader(src, 0, size))
	if err != nil {
		return fmt.Errorf("%w: binhex: %w", ErrCorrupt, err)
	}
	name, data, rsrc, derr := decodeBinHex(text)
	type fork struct {
		name string
		data []byte
	}
	forks := []fork{{name, data}}
	if len(rsrc) > 0 {
		forks = append(forks, fork{name + "/rsrc", rsrc})
	}
	w.info.MemberCount = len(forks)
	if derr != nil && len(data) == 0 {
		return derr
	}
	for _, f := range forks {
		if _, stop := w.emit(f.name, false, func() (io.Reader, error) { return bytes.NewReader(f.data), nil }); stop != nil {
			return stop
		}
	}
	return derr
}
