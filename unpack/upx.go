package unpack

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"strconv"

	"github.com/ulikunitz/xz/lzma"
)

// UPX-packed PE files (win32/pe, UPX's format 9), from UPX's documented
// pack header and UCL's published algorithms: the "UPX!" pack header in
// the first KiB gives the method (NRV2B, NRV2D, NRV2E: nrv.go; LZMA) and
// the compressed and uncompressed lengths; the compressed image starts
// the UPX1 section's file data (or a few bytes into it, where the stub's
// MOV ESI says so), and decompresses to the sections' memory image from
// UPX0 on. The image is yielded as "upx-image", and every PE file inside
// it (MZ with a PE header whose sections fit) as "upx-image/pe-OFFSET",
// as ClamAV scans the PE files embedded in an unpacked image. Not done:
// undoing UPX's call filters on the code, and rebuilding the original PE
// headers.

// UPX's method numbers (the 32-bit little-endian forms its PE stubs use).
const (
	upxMethodNRV2B = 2
	upxMethodNRV2D = 5
	upxMethodNRV2E = 8
	upxMethodLZMA  = 14
	upxMaxImage    = 64 << 20
)

var magicUPXHeader = []byte("UPX!")

type upxInfo struct {
	method     byte
	uLen, cLen int64
	dataAt     int64
	// skew is how far into UPX1's data the stub starts reading (its
	// PUSHAD; MOV ESI, address), 0 when it does not say.
	skew int64
}

func readUPXInfo(src io.ReaderAt, size int64) (upxInfo, error) {
	var u upxInfo
	head := make([]byte, min(size, 4096))
	n, _ := src.ReadAt(head, 0)
	head = head[:n]
	if len(head) < 0x40 {
		return u, fmt.Errorf("%w: upx: no PE header", ErrCorrupt)
	}
	pe := int64(binary.LittleEndian.Uint32(head[0x3c:]))
	if pe+24 > int64(len(head)) {
		return u, fmt.Errorf("%w: upx: PE header past the first 4 KiB", ErrCorrupt)
	}
	nsec := int(binary.LittleEndian.Uint16(head[pe+6:]))
	sec := pe + 24 + int64(binary.LittleEndian.Uint16(head[pe+20:]))
	u.dataAt = -1
	for i := 0; i < nsec && sec+40*int64(i)+40 <= int64(len(head)); i++ {
		s := head[sec+40*int64(i):]
		if bytes.HasPrefix(s, []byte("UPX1")) {
			u.dataAt = int64(binary.LittleEndian.Uint32(s[20:]))
		}
	}
	at := bytes.Index(head, magicUPXHeader)
	if at < 0 || at+32 > len(head) || u.dataAt < 0 {
		return u, fmt.Errorf("%w: upx: no pack header or UPX1 section", ErrNoUnpacker)
	}
	h := head[at:]
	if h[5] != 9 {
		return u, fmt.Errorf("%w: upx format %d", ErrNoUnpacker, h[5])
	}
	u.method = h[6]
	u.uLen = int64(binary.LittleEndian.Uint32(h[16:]))
	u.cLen = int64(binary.LittleEndian.Uint32(h[20:]))
	if p, ok := parsePE(head); ok {
		ep := make([]byte, 6)
		at, ok := p.fileOffset(p.entry)
		if n, _ := src.ReadAt(ep, at); ok && n == len(ep) && ep[0] == 0x60 && ep[1] == 0xbe {
			base := binary.LittleEndian.Uint32(head[p.pe+24+28:])
			for _, s := range p.sections {
				if s.raw == uint32(u.dataAt) && bytes.HasPrefix(s.name[:], []byte("UPX1")) {
					if skew := int64(binary.LittleEndian.Uint32(ep[2:])) - int64(base) - int64(s.rva); skew > 0 && skew < 0x1000 {
						u.skew = skew
					}
				}
			}
		}
	}
	return u, nil
}

func (w *walker) upx(src io.ReaderAt, size int64) error {
	u, err := readUPXInfo(src, size)
	if err != nil {
		return err
	}
	method, ok := map[byte]func([]byte, int) ([]byte, error){
		upxMethodNRV2B: func(in []byte, max int) ([]byte, error) { return unNRV(nrvB, in, max) },
		upxMethodNRV2D: func(in []byte, max int) ([]byte, error) { return unNRV(nrvD, in, max) },
		upxMethodNRV2E: func(in []byte, max int) ([]byte, error) { return unNRV(nrvE, in, max) },
		upxMethodLZMA:  unUPXLZMA,
	}[u.method]
	if !ok {
		return fmt.Errorf("%w: upx method %d", ErrUnsupported, u.method)
	}
	if u.uLen > upxMaxImage || (w.lim.MaxFileSize > 0 && u.uLen > w.lim.MaxFileSize) {
		return &LimitError{Limit: LimitFileSize, Member: "upx-image", Max: min(upxMaxImage, w.lim.MaxFileSize)}
	}
	if u.dataAt >= size {
		return fmt.Errorf("%w: upx: compressed data past the end of the file", ErrCorrupt)
	}
	in := make([]byte, min(u.cLen+u.skew, size-u.dataAt))
	if _, err := src.ReadAt(in, u.dataAt); err != nil && err != io.EOF {
		return fmt.Errorf("%w: upx: %v", ErrCorrupt, err)
	}
	// Where the stub starts reading first, then UPX1's start, as ClamAV
	// tries them.
	img, derr := method(in[min(u.skew, int64(len(in))):], int(u.uLen))
	if derr != nil && u.skew != 0 {
		if img2, err2 := method(in, int(u.uLen)); err2 == nil {
			img, derr = img2, nil
		}
	}
	w.info.MemberCount = 1
	if derr != nil {
		derr = fmt.Errorf("%w: upx: %v", ErrCorrupt, derr)
	}
	if _, stop := w.emit("upx-image", false, func() (io.Reader, error) {
		if derr != nil {
			return &errAfter{r: bytes.NewReader(img), err: derr}, nil
		}
		return bytes.NewReader(img), nil
	}); stop != nil {
		return stop
	}
	return w.emitEmbedded("upx-image/", img)
}

// emitEmbedded yields the PE files inside b as prefix+"pe-OFFSET".
func (w *walker) emitEmbedded(prefix string, b []byte) error {
	for _, pe := range embeddedPEs(b) {
		w.info.MemberCount++
		e := b[pe[0]:pe[1]]
		if _, stop := w.emit(prefix+"pe-"+strconv.Itoa(pe[0]), false, func() (io.Reader, error) { return bytes.NewReader(e), nil }); stop != nil {
			return stop
		}
	}
	return nil
}

// embeddedPEs finds PE files inside b past its start: "MZ", a PE header
// within the first KiB, and sections whose file data fit in b; each is
// [start, end) with end the furthest section data (or the headers).
func embeddedPEs(b []byte) [][2]int {
	var out [][2]int
	for i := 1; i+0x40 <= len(b); i++ {
		j := bytes.Index(b[i:], []byte("MZ"))
		if j < 0 {
			break
		}
		i += j
		if n, ok := embeddedPEAt(b[i:], int64(len(b)-i)); ok {
			out = append(out, [2]int{i, i + int(n)})
		}
	}
	return out
}

// embeddedPEAt checks for a PE file at the start of h (as much of it as
// is at hand, its headers at least), of which avail bytes exist, and
// returns its length: to the furthest section data, or the headers.
func embeddedPEAt(h []byte, avail int64) (int64, bool) {
	if len(h) < 0x40 || h[0] != 'M' || h[1] != 'Z' {
		return 0, false
	}
	lfa := int(binary.LittleEndian.Uint32(h[0x3c:]))
	if lfa < 0x40 || lfa > 1024 || lfa+24 > len(h) || string(h[lfa:lfa+4]) != "PE\x00\x00" {
		return 0, false
	}
	nsec := int(binary.LittleEndian.Uint16(h[lfa+6:]))
	sec := lfa + 24 + int(binary.LittleEndian.Uint16(h[lfa+20:]))
	if nsec == 0 || nsec > 96 || sec+40*nsec > len(h) {
		return 0, false
	}
	end := int64(sec + 40*nsec)
	for k := 0; k < nsec; k++ {
		s := h[sec+40*k:]
		raw, ptr := int64(binary.LittleEndian.Uint32(s[16:])), int64(binary.LittleEndian.Uint32(s[20:]))
		if raw == 0 {
			continue
		}
		if ptr+raw > avail {
			return 0, false
		}
		end = max(end, ptr+raw)
	}
	return end, true
}

// unUPXLZMA decompresses UPX's LZMA: two bytes of UPX's own (pb<<3 | lp,
// then (lc+lp)<<3 | lc), then a raw LZMA stream of the image, read with
// github.com/ulikunitz/xz/lzma behind the classic header made from them.
// Header bytes that do not agree with each other are taken for UPX's
// defaults (lc 3, lp 0, pb 2), as ClamAV falls back to them.
func unUPXLZMA(in []byte, n int) ([]byte, error) {
	if len(in) < 2 {
		return nil, errNRV
	}
	lc, lp, pb := 3, 0, 2
	if h0, h1 := int(in[0]), int(in[1]); h1>>3 == h1&7+h0&7 && h0>>3 <= 4 && h0&7 <= 4 {
		lc, lp, pb = h1&7, h0&7, h0>>3
	}
	hdr := make([]byte, 13)
	hdr[0] = byte(lc + 9*(5*pb+lp))
	binary.LittleEndian.PutUint32(hdr[1:], uint32(max(n, 4096)))
	binary.LittleEndian.PutUint64(hdr[5:], uint64(n))
	lr, err := lzma.NewReader(io.MultiReader(bytes.NewReader(hdr), bytes.NewReader(in[2:])))
	if err != nil {
		return nil, fmt.Errorf("lzma: %w", err)
	}
	out := bytes.NewBuffer(make([]byte, 0, n))
	if _, err := io.Copy(out, io.LimitReader(lr, int64(n))); err != nil {
		return out.Bytes(), fmt.Errorf("lzma: %w", err)
	}
	if out.Len() < n {
		return out.Bytes(), fmt.Errorf("lzma: %d of %d bytes", out.Len(), n)
	}
	return out.Bytes(), nil
}
