package unpack

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"
)

// PowerPoint 97-2003 keeps embedded OLE objects and the VBA project outside
// the compound file's directory, inside records of its "PowerPoint
// Document" stream (MS-PPT 2.3): an ExOleObjStg record (type 0x1011) holds
// a compound file of its own, zlib-compressed when the record's instance is
// 1 (after a u32 of the decompressed size). Each is yielded as
// "PowerPoint Document/ExOleObjStg-N", and the scan opens it as OLE2.
const (
	pptExOleObjStg = 0x1011
	pptContainer   = 0xf
	pptMaxDepth    = 32
)

func (w *walker) pptObjects(stream string, data []byte) error {
	n := 0
	var visit func(b []byte, depth int) error
	visit = func(b []byte, depth int) error {
		for len(b) >= 8 {
			verInst := binary.LittleEndian.Uint16(b)
			typ := binary.LittleEndian.Uint16(b[2:])
			length := int64(binary.LittleEndian.Uint32(b[4:]))
			body := b[8:]
			if length < int64(len(body)) {
				body = body[:length]
			}
			b = b[8+len(body):]
			switch {
			case verInst&0xf == pptContainer && depth < pptMaxDepth:
				if err := visit(body, depth+1); err != nil {
					return err
				}
			case typ == pptExOleObjStg:
				n++
				w.info.MemberCount++
				compressed := verInst>>4 == 1
				obj := body
				_, stop := w.emit(embeddedName(stream, "ExOleObjStg", n), false, func() (io.Reader, error) {
					if !compressed {
						return bytes.NewReader(obj), nil
					}
					if len(obj) < 4 {
						return nil, fmt.Errorf("ExOleObjStg: %w", io.ErrUnexpectedEOF)
					}
					return zlib.NewReader(bytes.NewReader(obj[4:]))
				})
				if stop != nil {
					return stop
				}
			}
		}
		return nil
	}
	return visit(data, 0)
}
