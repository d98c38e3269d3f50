// Package swfbuild writes Flash (SWF) files for tests: an uncompressed
// file of given tags, and its zlib (CWS) and LZMA (ZWS) forms, as Adobe's
// SWF specification lays them out. unpack's tests and the differential
// tests that put real Flash signatures to clamscan and to us use it.
package swfbuild

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"

	"github.com/ulikunitz/xz/lzma"
)

// Tag is one SWF tag: its code and body.
type Tag struct {
	Code uint16
	Body []byte
}

// Tag codes the tests use.
const (
	TagEnd        = 0
	TagShowFrame  = 1
	TagDoABC      = 82
	TagFileAttrib = 69
)

// FWS returns an uncompressed SWF file of the given version holding tags
// (an End tag is added): an empty frame rectangle, 24 frames per second,
// one frame. Every tag is written in the long form.
func FWS(version byte, tags ...Tag) []byte {
	body := []byte{0x00, 0x00, 24, 1, 0} // RECT with 0-bit fields, rate 24.0, 1 frame
	for _, t := range append(tags, Tag{Code: TagEnd}) {
		if t.Code == TagEnd {
			body = binary.LittleEndian.AppendUint16(body, 0)
			continue
		}
		body = binary.LittleEndian.AppendUint16(body, t.Code<<6|0x3f)
		body = binary.LittleEndian.AppendUint32(body, uint32(len(t.Body)))
		body = append(body, t.Body...)
	}
	out := append([]byte("FWS"), version)
	out = binary.LittleEndian.AppendUint32(out, uint32(8+len(body)))
	return append(out, body...)
}

// CWS compresses an FWS file with zlib, as SWF 6 and later allow.
func CWS(fws []byte) []byte {
	var b bytes.Buffer
	b.WriteString("CWS")
	b.Write(fws[3:8])
	zw := zlib.NewWriter(&b)
	zw.Write(fws[8:])
	zw.Close()
	return b.Bytes()
}

// ZWS compresses an FWS file with LZMA, as SWF 13 and later allow: the
// header, the compressed length, LZMA's 5 property bytes and the raw
// stream, without end marker.
func ZWS(fws []byte) []byte {
	var b bytes.Buffer
	w, err := lzma.WriterConfig{DictCap: 1 << 16, SizeInHeader: true, Size: int64(len(fws) - 8)}.NewWriter(&b)
	if err != nil {
		panic(err)
	}
	w.Write(fws[8:])
	if err := w.Close(); err != nil {
		panic(err)
	}
	classic := b.Bytes() // 5 property bytes, 8 size bytes, the stream
	out := append([]byte("ZWS"), fws[3:8]...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(classic)-13))
	out = append(out, classic[:5]...)
	return append(out, classic[13:]...)
}
