package unpack

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
)

// Programs packed with ASPack, MEW, Upack, Petite or PESpin, recognised
// by their entry point's code (facts from the packers' published
// analyses) and unpacked by running their stub (emulate.go). The memory
// image is yielded as "aspack-image", "mew-image" and so on; scanned in
// turn it shows the program's overlay and the PE files inside it
// (embedded, below), as ClamAV scans the executable it rebuilds.

// packerOf recognises a packer by the entry point of the PE file r.
func packerOf(r io.ReaderAt, size int64) Format {
	head := make([]byte, min(size, 4096))
	n, _ := r.ReadAt(head, 0)
	head = head[:n]
	p, ok := parsePE(head)
	if !ok {
		return Unknown
	}
	at, ok := p.fileOffset(p.entry)
	if !ok && p.entry < uint32(len(head)) {
		at, ok = int64(p.entry), true // an entry point in the headers
	}
	if !ok {
		return Unknown
	}
	ep := make([]byte, 16)
	if n, _ := r.ReadAt(ep, at); n < len(ep) {
		return Unknown
	}
	opt := p.pe + 24
	base := binary.LittleEndian.Uint32(head[opt+28:])
	imm := binary.LittleEndian.Uint32(ep[1:])
	last := p.sections[p.nsec-1]
	empty := false
	for _, s := range p.sections {
		empty = empty || s.rawSize == 0
	}
	switch {
	case bytes.HasPrefix(ep, []byte("\x60\xe8\x03\x00\x00\x00\xe9\xeb")):
		return ASPack
	case ep[0] == 0xe9 && empty && (p.entry+imm+5 == 0x154 || p.entry+imm+5 == 0x158):
		// MEW: a jump to its code in the PE header.
		return MEW
	case binary.LittleEndian.Uint16(head[p.pe+20:]) == 0x148 && p.nsec == 3 && ep[0] == 0xbe &&
		imm > base && (ep[5] == 0xad && ep[6] == 0x50 || ep[5] == 0xff && ep[6] == 0x36):
		// Upack: MOV ESI, table; LODSD; PUSH EAX (or PUSH [ESI]).
		return Upack
	case ep[0] == 0xb8 && (imm == base+last.rva || p.nsec > 1 && imm == base+p.sections[p.nsec-2].rva):
		// Petite: MOV EAX, its section's address.
		return Petite
	case p.nsec > 1 && p.entry >= last.rva && bytes.HasPrefix(ep[4:], []byte("\xe8\x00\x00\x00\x00\x8b\x1c\x24\x83\xc3")):
		return PESpin
	}
	return Unknown
}

// packed runs the stub of a file packerOf recognised and yields its
// memory image.
func (w *walker) packed(src io.ReaderAt, size int64) error {
	name := w.format.String() + "-image"
	lim := emuLimitsFor(w.lim)
	if size > lim.maxImage {
		return &LimitError{Limit: LimitFileSize, Member: name, Max: lim.maxImage}
	}
	b := make([]byte, size)
	if _, err := src.ReadAt(b, 0); err != nil && err != io.EOF {
		return fmt.Errorf("%w: %s: %v", ErrCorrupt, w.format, err)
	}
	img, err := emulate(w.ctx, b, lim)
	if img == nil {
		return fmt.Errorf("%s: %w", w.format, err)
	}
	w.info.MemberCount = 1
	if err != nil {
		// What the stub made before it was lost is still scanned, and the
		// member carries the error: never clean.
		err = fmt.Errorf("%s: %w", w.format, err)
	}
	_, stop := w.emit(name, false, func() (io.Reader, error) {
		if err != nil {
			return &errAfter{r: bytes.NewReader(img), err: err}, nil
		}
		return bytes.NewReader(img), nil
	})
	return stop
}

// PE files embedded in a PE file, as ClamAV looks for them in every
// executable: a program that carries another one uncompressed (a dropper,
// an image a stub unpacked). Each is yielded as "pe-OFFSET".

// embeddedSearch bounds the PE files searched: larger ones are not.
const embeddedSearch = 32 << 20

// hasEmbeddedPE reports whether the PE file r holds another. It is asked
// of every PE file, so it reads in pieces and looks for the rare "PE\0\0"
// first, then for an MZ header up to 1 KiB before it that points there,
// rather than at every "MZ" (a common pair of bytes in code).
func hasEmbeddedPE(r io.ReaderAt, size int64) bool {
	if size > embeddedSearch {
		return false
	}
	const piece, before, after = 1 << 20, 1024, 8 << 10
	buf := make([]byte, min(size, before+piece+after))
	for off := int64(0); off < size; off += piece {
		start := max(0, off-before)
		n, _ := r.ReadAt(buf, start)
		b := buf[:n]
		lo, hi := int(off-start), min(n, int(off-start)+piece)
		for q := lo; q < hi; {
			j := bytes.Index(b[q:], []byte("PE\x00\x00"))
			if j < 0 || q+j >= hi {
				break
			}
			q += j
			for lfa := 0x40; lfa <= 1024 && lfa <= q; lfa++ {
				i := q - lfa
				at := start + int64(i)
				if at == 0 || b[i] != 'M' || b[i+1] != 'Z' || int(binary.LittleEndian.Uint32(b[i+0x3c:])) != lfa {
					continue
				}
				h := b[i:]
				if len(h) < after && at+int64(len(h)) < size {
					// Headers across the piece's end: read them whole.
					h = make([]byte, after)
					m, _ := r.ReadAt(h, at)
					h = h[:m]
				}
				if _, ok := embeddedPEAt(h, size-at); ok {
					return true
				}
			}
			q++
		}
	}
	return false
}

func (w *walker) embedded(src io.ReaderAt, size int64) error {
	if size > embeddedSearch {
		return &LimitError{Limit: LimitFileSize, Member: "pe-embedded", Max: embeddedSearch}
	}
	b := make([]byte, size)
	if _, err := src.ReadAt(b, 0); err != nil && err != io.EOF {
		return fmt.Errorf("%w: pe-embedded: %v", ErrCorrupt, err)
	}
	return w.emitEmbedded("", b)
}
