package unpack

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// UPX-packed PE files (win32/pe, UPX's format 9), from UPX's documented
// pack header and UCL's published NRV2B algorithm: the "UPX!" pack header
// in the first KiB gives the method and the compressed and uncompressed
// lengths; the compressed image starts the UPX1 section's file data, and
// decompresses to the sections' memory image from UPX0 on. The image is
// yielded as "upx-image", and every PE file inside it (MZ with a PE header
// whose sections fit) as "upx-image/pe-OFFSET", as ClamAV scans the PE
// files embedded in an unpacked image. Not done: NRV2D, NRV2E and LZMA
// (reported unsupported, so an error, never clean), undoing UPX's call
// filters on the code, and rebuilding the original PE headers.

const (
	upxMethodNRV2B = 2
	upxMaxImage    = 64 << 20
)

var magicUPXHeader = []byte("UPX!")

type upxInfo struct {
	method     byte
	uLen, cLen int64
	dataAt     int64
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
	return u, nil
}

func (w *walker) upx(src io.ReaderAt, size int64) error {
	u, err := readUPXInfo(src, size)
	if err != nil {
		return err
	}
	if u.method != upxMethodNRV2B {
		return fmt.Errorf("%w: upx method %d", ErrUnsupported, u.method)
	}
	if u.uLen > upxMaxImage || (w.lim.MaxFileSize > 0 && u.uLen > w.lim.MaxFileSize) {
		return &LimitError{Limit: LimitFileSize, Member: "upx-image", Max: min(upxMaxImage, w.lim.MaxFileSize)}
	}
	if u.dataAt >= size {
		return fmt.Errorf("%w: upx: compressed data past the end of the file", ErrCorrupt)
	}
	in := make([]byte, min(u.cLen, size-u.dataAt))
	if _, err := src.ReadAt(in, u.dataAt); err != nil && err != io.EOF {
		return fmt.Errorf("%w: upx: %v", ErrCorrupt, err)
	}
	img, derr := unNRV2B(in, int(u.uLen))
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

var errNRV = errors.New("nrv2b: invalid data")

// unNRV2B decompresses UCL's NRV2B with 32-bit little-endian bit buffers
// into at most max bytes: a 1 bit is a literal byte; otherwise an offset
// in an Elias-gamma-like code (2: the last offset again) with a low byte,
// then a length, one longer for offsets past 0xd00.
func unNRV2B(in []byte, max int) ([]byte, error) {
	out := make([]byte, 0, max)
	var bb uint32
	bc := 0
	ip := 0
	bit := func() (uint32, bool) {
		if bc == 0 {
			if ip+4 > len(in) {
				return 0, false
			}
			bb = binary.LittleEndian.Uint32(in[ip:])
			ip += 4
			bc = 32
		}
		bc--
		return bb >> bc & 1, true
	}
	lastOff := uint32(1)
	for {
		for {
			b, ok := bit()
			if !ok {
				return out, errNRV
			}
			if b == 0 {
				break
			}
			if ip >= len(in) || len(out) >= max {
				return out, errNRV
			}
			out = append(out, in[ip])
			ip++
		}
		off := uint32(1)
		for {
			b, ok := bit()
			if !ok {
				return out, errNRV
			}
			off = off*2 + b
			if off > 0x1000002 {
				return out, errNRV
			}
			if b, ok = bit(); !ok {
				return out, errNRV
			} else if b == 1 {
				break
			}
		}
		if off == 2 {
			off = lastOff
		} else {
			if ip >= len(in) {
				return out, errNRV
			}
			off = (off-3)*256 + uint32(in[ip])
			ip++
			if off == 0xffffffff {
				return out, nil
			}
			off++
			lastOff = off
		}
		b1, ok1 := bit()
		b2, ok2 := bit()
		if !ok1 || !ok2 {
			return out, errNRV
		}
		n := b1*2 + b2
		if n == 0 {
			n = 1
			for {
				b, ok := bit()
				if !ok {
					return out, errNRV
				}
				n = n*2 + b
				if n > 1<<24 {
					return out, errNRV
				}
				if b, ok = bit(); !ok {
					return out, errNRV
				} else if b == 1 {
					break
				}
			}
			n += 2
		}
		if off > 0xd00 {
			n++
		}
		n++
		if int(off) > len(out) || len(out)+int(n) > max {
			return out, errNRV
		}
		from := len(out) - int(off)
		for k := 0; k < int(n); k++ {
			out = append(out, out[from+k])
		}
	}
}
