package unpack

import (
	"compress/bzip2"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
)

// ALZ (ALZip's format) opens with "ALZ\x01" and four bytes, then records
// each led by a u32: "BLZ\x01" a file, "CLZ\x01" a central directory
// record of eight bytes, "CLZ\x02" the end. A file's header is its name's
// length (u16), attributes (0x10: a directory), a DOS time (u32), a
// descriptor byte (bit 0: encrypted, bit 3: sizes in a trailing
// descriptor, the high nibble: how wide the sizes are, 0 for none) and a
// byte; with sizes, a method (0 stored, 1 bzip2, 2 raw deflate), a byte,
// the CRC-32 of the plain data, the stored and plain sizes; then the
// name, 12 bytes of check data when encrypted, and the stored data.

const (
	alzFile    = 0x015a4c42 // "BLZ\x01"
	alzCentral = 0x015a4c43 // "CLZ\x01"
	alzEnd     = 0x025a4c43 // "CLZ\x02"
)

func (w *walker) alz(src io.ReaderAt, size int64) error {
	var b [8]byte
	if _, err := src.ReadAt(b[:], 0); err != nil || string(b[:4]) != "ALZ\x01" {
		return fmt.Errorf("%w: alz: no ALZ header", ErrCorrupt)
	}
	off := int64(8)
	for {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		if _, err := src.ReadAt(b[:4], off); err != nil {
			return fmt.Errorf("%w: alz: archive cut at %d, before its end record", ErrCorrupt, off)
		}
		switch sig := binary.LittleEndian.Uint32(b[:]); sig {
		case alzEnd:
			return nil
		case alzCentral:
			off += 4 + 8
		case alzFile:
			next, err := w.alzFile(src, size, off+4)
			if err != nil {
				return err
			}
			off = next
		default:
			return fmt.Errorf("%w: alz: unknown record %08x at %d", ErrCorrupt, sig, off)
		}
	}
}

// alzFile yields the file whose header is at off and returns where the
// next record starts.
func (w *walker) alzFile(src io.ReaderAt, size, off int64) (int64, error) {
	var h [9 + 6 + 16]byte
	n, _ := src.ReadAt(h[:], off)
	if n < 9 {
		return 0, fmt.Errorf("%w: alz: file header at %d cut", ErrCorrupt, off)
	}
	nameLen := int64(binary.LittleEndian.Uint16(h[:]))
	attr, desc := h[2], h[7]
	width := int64(desc >> 4)
	var method byte
	var sum uint32
	var stored, plain int64
	pos := off + 9
	if width > 0 {
		if width != 1 && width != 2 && width != 4 && width != 8 {
			return 0, fmt.Errorf("%w: alz: sizes %d bytes wide at %d", ErrCorrupt, width, off)
		}
		if int64(n) < 9+6+2*width {
			return 0, fmt.Errorf("%w: alz: file header at %d cut", ErrCorrupt, off)
		}
		method, sum = h[9], binary.LittleEndian.Uint32(h[11:])
		stored, plain = alzSize(h[15:15+width]), alzSize(h[15+width:15+2*width])
		pos += 6 + 2*width
	}
	if nameLen == 0 || stored < 0 || plain < 0 {
		return 0, fmt.Errorf("%w: alz: file header at %d", ErrCorrupt, off)
	}
	nb := make([]byte, min(nameLen, max(0, size-pos)))
	if _, err := src.ReadAt(nb, pos); err != nil || int64(len(nb)) < nameLen {
		return 0, fmt.Errorf("%w: alz: file name at %d cut", ErrCorrupt, pos)
	}
	name := string(nb)
	pos += nameLen
	encrypted := desc&1 != 0
	if encrypted {
		pos += 12
	}
	data := pos
	if data > size || stored > size-data {
		return 0, fmt.Errorf("%w: alz: %q of %d bytes at %d, the archive holds %d", ErrCorrupt, name, stored, data, max(0, size-data))
	}
	w.info.MemberCount++
	if attr&0x10 != 0 {
		return data + stored, nil // a directory
	}
	_, stop := w.emit(name, encrypted, func() (io.Reader, error) {
		if desc&8 != 0 {
			return nil, fmt.Errorf("%w: alz: %q has its sizes after its data", ErrUnsupported, name)
		}
		var r io.Reader = io.NewSectionReader(src, data, stored)
		switch method {
		case 0:
		case 1:
			r = bzip2.NewReader(r)
		case 2:
			r = flate.NewReader(r)
		default:
			return nil, fmt.Errorf("%w: alz: %q: method %d", ErrUnsupported, name, method)
		}
		return &crcCheck{r: &exactReader{r: io.LimitReader(r, plain), want: plain}, h: crc32.NewIEEE(), want: sum}, nil
	})
	return data + stored, stop
}

func alzSize(b []byte) int64 {
	var v uint64
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return int64(v)
}
