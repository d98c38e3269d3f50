package unpack

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// PE files packed with WWPack32: the last section holds the loader, entered
// at its start, and a list of compressed blocks, each decompressed in the
// memory image where the loader would. The image (headers and sections at
// their RVAs) is rebuilt with the packer's section dropped, the original
// entry point restored and the sections' file layout set to their memory
// layout; it is yielded as "wwpack-image", and each PE file inside it as
// "wwpack-image/pe-OFFSET", as for UPX. The loader's layout (the block
// list at 0x2a1, the entry point at 0x295) and the bit codes are facts from
// the format's published analyses.

const (
	wwBlocksAt = 0x2a1 // the block list, from the packer section's start
	wwEntryAt  = 0x295 // the original entry point, less 0x299
)

var (
	wwEntryCode = []byte("\x53\x55\x8b\xe8\x33\xdb\xeb")
	wwEntryMore = []byte("\xe8\x00\x00\x00\x00\x58\x2d\x6d\x00\x00\x00\x50\x60\x33\xc9\x50\x58\x50\x50")
	errWWPack   = errors.New("wwpack: invalid compressed data")
)

// isWWPack recognises the loader's entry code at the last section's start.
func isWWPack(r io.ReaderAt, size int64) bool {
	head := make([]byte, min(size, 4096))
	n, _ := r.ReadAt(head, 0)
	p, ok := parsePE(head[:n])
	if !ok || p.nsec < 2 || p.entry != p.sections[p.nsec-1].rva {
		return false
	}
	at, ok := p.fileOffset(p.entry)
	if !ok {
		return false
	}
	ep := make([]byte, 0x68+len(wwEntryMore))
	if _, err := r.ReadAt(ep, at); err != nil {
		return false
	}
	return bytes.HasPrefix(ep, wwEntryCode) && bytes.HasPrefix(ep[0x68:], wwEntryMore)
}

func (w *walker) wwpack(src io.ReaderAt, size int64) error {
	if size > upxMaxImage {
		return &LimitError{Limit: LimitFileSize, Member: "wwpack-image", Max: upxMaxImage}
	}
	file := make([]byte, size)
	if _, err := src.ReadAt(file, 0); err != nil && err != io.EOF {
		return fmt.Errorf("%w: wwpack: %v", ErrCorrupt, err)
	}
	img, err := unWWPack(file, w.lim.MaxFileSize)
	if err != nil {
		return err
	}
	w.info.MemberCount = 1
	if _, stop := w.emit("wwpack-image", false, func() (io.Reader, error) { return bytes.NewReader(img), nil }); stop != nil {
		return stop
	}
	return w.emitEmbedded("wwpack-image/", img)
}

// unWWPack rebuilds the unpacked image of the WWPack32 file b, of at most
// maxImage bytes (0: no bound beyond upxMaxImage).
func unWWPack(b []byte, maxImage int64) ([]byte, error) {
	p, ok := parsePE(b)
	if !ok || p.nsec < 2 {
		return nil, fmt.Errorf("%w: wwpack: no PE headers", ErrCorrupt)
	}
	ws := p.sections[p.nsec-1]
	rawSize := func(s peSection) int64 {
		n := alignUp(int64(s.rawSize), int64(p.fileAlign))
		return max(0, min(n, int64(len(b))-int64(s.raw)))
	}
	virtSize := func(s peSection) int64 { return alignUp(int64(s.vsize), int64(p.sectionAlign)) }
	head := int64(ws.raw)
	var imageSize int64
	for _, s := range p.sections[:p.nsec-1] {
		head = min(head, int64(s.raw))
		imageSize = max(imageSize, int64(s.rva)+virtSize(s))
	}
	if head <= 0 || imageSize <= 0 || head > imageSize || head > int64(len(b)) {
		return nil, fmt.Errorf("%w: wwpack: section layout", ErrCorrupt)
	}
	limit := int64(upxMaxImage)
	if maxImage > 0 {
		limit = min(limit, maxImage)
	}
	if imageSize > limit {
		return nil, &LimitError{Limit: LimitFileSize, Member: "wwpack-image", Max: limit}
	}
	img := make([]byte, imageSize)
	copy(img, b[:head])
	for _, s := range p.sections[:p.nsec-1] {
		n := rawSize(s)
		if n == 0 {
			continue
		}
		if int64(s.rva)+n > imageSize {
			return nil, fmt.Errorf("%w: wwpack: section at %#x past the image", ErrCorrupt, s.rva)
		}
		copy(img[s.rva:], b[s.raw:int64(s.raw)+n])
	}
	packer := b[ws.raw : int64(ws.raw)+rawSize(ws)]

	// The block list: 16 bytes each (the source's distance below the
	// packer's RVA, 4 unused, dwords of compressed data, the end of the
	// source), then a byte, 0 after the last.
	for at := wwBlocksAt; ; at += 17 {
		if at+17 > len(packer) {
			return nil, fmt.Errorf("%w: wwpack: block list past the packer's section", ErrCorrupt)
		}
		e := packer[at:]
		src := int64(ws.rva) - int64(binary.LittleEndian.Uint32(e))
		n := int64(binary.LittleEndian.Uint32(e[8:])) * 4
		end := int64(binary.LittleEndian.Uint32(e[12:]))
		start := src + end + 4 - n
		if n == 0 || start < 0 || start+n > imageSize {
			return nil, fmt.Errorf("%w: wwpack: compressed block past the image", ErrCorrupt)
		}
		comp := bytes.Clone(img[start : start+n])
		for i := start; i < start+n; i++ {
			img[i] = 0xff
		}
		if err := wwInflate(comp, img, start); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		if e[16] == 0 {
			break
		}
	}

	pe := p.pe
	if pe+0x54 > head {
		return nil, fmt.Errorf("%w: wwpack: PE header past the sections", ErrCorrupt)
	}
	binary.LittleEndian.PutUint16(img[pe+6:], uint16(p.nsec-1))
	binary.LittleEndian.PutUint32(img[pe+0x28:], binary.LittleEndian.Uint32(packer[wwEntryAt:])+ws.rva+0x299)
	binary.LittleEndian.PutUint32(img[pe+0x50:], binary.LittleEndian.Uint32(img[pe+0x50:])-uint32(virtSize(ws)))
	for i, s := range p.sections {
		h := img[s.headerAt : s.headerAt+40]
		if i == p.nsec-1 {
			clear(h)
			break
		}
		vs := uint32(virtSize(s))
		for k, v := range []uint32{vs, s.rva, vs, s.rva} {
			binary.LittleEndian.PutUint32(h[8+4*k:], v)
		}
	}
	return img, nil
}

// wwBits reads WWPack's bit stream: 32-bit little-endian words, most
// significant bit first.
type wwBits struct {
	in  []byte
	at  int
	buf uint32
	n   uint // bits left in buf
	err error
}

func (r *wwBits) reload() {
	if r.at+4 > len(r.in) {
		r.err = errWWPack
		r.buf, r.n = 0, 32
		return
	}
	r.buf = binary.LittleEndian.Uint32(r.in[r.at:])
	r.at += 4
	r.n = 32
}

func (r *wwBits) bits(n uint) uint32 {
	v := r.buf >> (32 - n)
	if r.n > n {
		r.n -= n
		r.buf <<= n
		return v
	}
	if r.n == n {
		r.reload()
		return v
	}
	// The word runs out inside the code: its high bits first.
	have := r.n
	r.reload()
	r.n -= n - have
	v |= r.buf >> r.n
	r.buf <<= 32 - r.n
	return v
}

// wwInflate decompresses comp into img from at. A 0 bit is a literal
// byte, the next one of comp. Otherwise two bits: 3 is a two-byte copy
// from 1 to 0x35f back (9 bits of 0x1ff end the block); 0, 1 and 2 a
// longer copy, its distance in a 3-bit width class, its length 3 or 4 (1,
// 2) or, for 0, in a code of its own from 5 up.
func wwInflate(comp, img []byte, at int64) error {
	r := &wwBits{in: comp}
	r.reload()
	out := at
	for r.err == nil {
		if r.bits(1) == 0 {
			if r.at >= len(comp) || out >= int64(len(img)) {
				return errWWPack
			}
			img[out] = comp[r.at]
			r.at++
			out++
			continue
		}
		kind := r.bits(2)
		var back, n int64
		if kind == 3 {
			sel := r.bits(2)
			width, sub := uint(sel+5), int64(31)
			if sel >= 2 {
				width++
				sub += 0x80
			}
			v := r.bits(width)
			if r.err != nil {
				break
			}
			if v == 0x1ff {
				return nil // the block's end
			}
			back, n = int64(1)<<width-sub+int64(v), 2
		} else {
			switch sel := r.bits(3); {
			case sel < 6:
				width := [...]uint{5, 6, 7, 8, 10, 12}[sel]
				if sel == 3 || sel == 4 {
					width += uint(r.bits(1))
				}
				back = int64(r.bits(width)) + int64(1)<<width - 31
			case sel == 6:
				back = int64(r.bits(14)) + 0x1fe1
			default:
				back = int64(r.bits(15)) + 0x5fe1
			}
			n = int64(kind) + 2
			if kind == 0 {
				n = wwLength(r)
			}
		}
		if r.err != nil {
			break
		}
		if back <= 0 || out-back < 0 || out+n > int64(len(img)) {
			return errWWPack
		}
		for ; n > 0; n-- {
			img[out] = img[out-back]
			out++
		}
	}
	return r.err
}

// wwLength reads a long copy's length: 5-6, 7-13, 14-28, then codes of
// 5, 6 or 7 bits after a unary prefix, or 14 bits.
func wwLength(r *wwBits) int64 {
	if r.bits(1) == 0 {
		return int64(r.bits(1)) + 5
	}
	if v := r.bits(3); v != 0 {
		return int64(v) + 6
	}
	if v := r.bits(4); v != 0 {
		return int64(v) + 13
	}
	width, base := uint(4), int64(0x0d)
	for {
		if width == 7 {
			width, base = 14, 0
			break
		}
		base = (base+2)<<1 - 1
		width++
		if r.bits(1) != 0 || r.err != nil {
			break
		}
	}
	return int64(r.bits(width)) + base
}
