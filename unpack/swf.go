package unpack

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/ulikunitz/xz/lzma"
)

// Flash files (SWF) compressed whole, as Adobe's SWF specification gives
// them: an 8-byte header ("FWS", "CWS" or "ZWS", a version byte, the
// uncompressed file's length) and the rest of the file, stored (FWS),
// zlib-compressed (CWS) or LZMA-compressed (ZWS: a 32-bit compressed
// length, LZMA's 5 property bytes, then the raw stream). A compressed
// file is yielded once, uncompressed, as "decompressed.swf" with an FWS
// header, as ClamAV rebuilds it, so that it is typed Flash again and
// target-11 signatures match its tags. What decodes before damage is
// yielded with the error; an FWS file has nothing to open.

const (
	swfHeader  = 8
	zwsHeader  = swfHeader + 4 + 5
	swfMaxDict = 1 << 26 // Flash's encoders use far less
)

func (w *walker) swf(src io.ReaderAt, size int64) error {
	var h [zwsHeader]byte
	n, _ := src.ReadAt(h[:], 0)
	if n < swfHeader {
		return fmt.Errorf("%w: swf header", ErrCorrupt)
	}
	body := io.NewSectionReader(src, swfHeader, size-swfHeader)
	var open func() (io.Reader, error)
	switch string(h[:3]) {
	case "FWS":
		return nil
	case "CWS":
		open = func() (io.Reader, error) {
			zr, err := zlib.NewReader(body)
			if err != nil {
				return nil, fmt.Errorf("%w: swf: zlib header: %v", ErrCorrupt, err)
			}
			return zr, nil
		}
	case "ZWS":
		if n < zwsHeader {
			return fmt.Errorf("%w: swf: LZMA header cut short", ErrCorrupt)
		}
		if dict := binary.LittleEndian.Uint32(h[13:]); dict > swfMaxDict {
			return fmt.Errorf("%w: swf: LZMA dictionary of %d bytes", ErrUnsupported, dict)
		}
		// LZMA's classic header: the properties, then the size, which the
		// SWF header gives for the whole file, its own 8 bytes included.
		hdr := binary.LittleEndian.AppendUint64(bytes.Clone(h[12:17]), uint64(max(int64(binary.LittleEndian.Uint32(h[4:]))-swfHeader, 0)))
		open = func() (io.Reader, error) {
			lr, err := lzma.NewReader(io.MultiReader(bytes.NewReader(hdr), io.NewSectionReader(src, zwsHeader, size-zwsHeader)))
			if err != nil {
				return nil, fmt.Errorf("%w: swf: %v", ErrCorrupt, err)
			}
			return lr, nil
		}
	default:
		return fmt.Errorf("%w: swf signature %q", ErrCorrupt, h[:3])
	}
	w.info.MemberCount = 1
	fws := append([]byte("FWS"), h[3:swfHeader]...)
	_, stop := w.emit("decompressed.swf", false, func() (io.Reader, error) {
		rd, err := open()
		if err != nil {
			return nil, err
		}
		return io.MultiReader(bytes.NewReader(fws), rd), nil
	})
	return stop
}
