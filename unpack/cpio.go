package unpack

import (
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
)

// cpio archives in the four header forms of cpio(5) (the FreeBSD/libarchive
// manual page): old binary (a 26-byte header of 16-bit words, either byte
// order, magic 070707 as a word), odc ("070707", 76 bytes of octal text),
// newc ("070701") and crc ("070702"; 110 bytes of hex text). Each header is
// followed by the name (its length counts the NUL) and the data; binary
// headers pad name and data to 2 bytes, newc and crc to 4, odc not at all.
// "TRAILER!!!" ends the archive. Only regular files are yielded: symbolic
// links carry their target as data, and hard links in newc carry data on
// the last link only.

const (
	cpioModeType    = 0o170000
	cpioModeRegular = 0o100000
	cpioTrailer     = "TRAILER!!!"
	// cpioMaxName bounds a name: the header says how long it is.
	cpioMaxName = 64 << 10
)

type cpioHeader struct {
	mode     int64
	nameSize int64
	fileSize int64
	hdrSize  int64
	align    int64
}

func (w *walker) cpio(src io.ReaderAt, size int64) error {
	for off := int64(0); ; {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		if off >= size {
			return nil // no trailer: what was there has been read
		}
		h, err := readCpioHeader(src, off, size)
		if err != nil {
			return fmt.Errorf("%w: cpio header at %d: %v", ErrCorrupt, off, err)
		}
		if h.nameSize > cpioMaxName || off+h.hdrSize+h.nameSize > size {
			return fmt.Errorf("%w: cpio header at %d: name of %d bytes", ErrCorrupt, off, h.nameSize)
		}
		nb := make([]byte, h.nameSize)
		if _, err := src.ReadAt(nb, off+h.hdrSize); err != nil {
			return fmt.Errorf("%w: cpio name at %d: %v", ErrCorrupt, off, err)
		}
		name := string(nb)
		if i := indexNUL(nb); i >= 0 {
			name = string(nb[:i])
		}
		if name == cpioTrailer {
			return nil
		}
		w.info.MemberCount++
		data := alignUp(off+h.hdrSize+h.nameSize, h.align)
		next := alignUp(data+h.fileSize, h.align)
		if h.mode&cpioModeType == cpioModeRegular {
			avail := max(0, min(h.fileSize, size-data))
			fileSize := h.fileSize
			if _, stop := w.emit(name, false, func() (io.Reader, error) {
				rd := io.NewSectionReader(src, min(data, size), avail)
				if avail < fileSize {
					return &errAfter{r: rd, err: fmt.Errorf("%w: cpio: file of %d bytes, the archive holds %d", ErrCorrupt, fileSize, avail)}, nil
				}
				return rd, nil
			}); stop != nil {
				return stop
			}
		}
		if next <= off {
			return fmt.Errorf("%w: cpio header at %d does not advance", ErrCorrupt, off)
		}
		if data+h.fileSize > size {
			return fmt.Errorf("%w: cpio: %q runs past the end of the archive", ErrCorrupt, name)
		}
		off = next
	}
}

func indexNUL(b []byte) int {
	for i, c := range b {
		if c == 0 {
			return i
		}
	}
	return -1
}

func alignUp(n, a int64) int64 { return (n + a - 1) / a * a }

// readCpioHeader reads the header at off in whichever of the four forms
// its magic names.
func readCpioHeader(src io.ReaderAt, off, size int64) (cpioHeader, error) {
	var b [110]byte
	n, _ := src.ReadAt(b[:min(int64(len(b)), max(0, size-off))], off)
	hb := b[:n]
	switch {
	case len(hb) >= 26 && (hb[0] == 0xc7 && hb[1] == 0x71 || hb[0] == 0x71 && hb[1] == 0xc7):
		var bo binary.ByteOrder = binary.LittleEndian
		if hb[0] == 0x71 {
			bo = binary.BigEndian
		}
		word := func(i int) int64 { return int64(bo.Uint16(hb[2*i:])) }
		// Words: magic dev ino mode uid gid nlink rdev mtime[2] namesize filesize[2].
		return cpioHeader{
			mode:     word(3),
			nameSize: word(10),
			fileSize: word(11)<<16 | word(12),
			hdrSize:  26,
			align:    2,
		}, nil
	case len(hb) >= 76 && string(hb[:6]) == "070707":
		f := func(at, n int) (int64, error) { return strconv.ParseInt(string(hb[at:at+n]), 8, 64) }
		mode, e1 := f(18, 6)
		nameSize, e2 := f(59, 6)
		fileSize, e3 := f(65, 11)
		if err := firstErr(e1, e2, e3); err != nil {
			return cpioHeader{}, err
		}
		return cpioHeader{mode: mode, nameSize: nameSize, fileSize: fileSize, hdrSize: 76, align: 1}, nil
	case len(hb) >= 110 && (string(hb[:6]) == "070701" || string(hb[:6]) == "070702"):
		f := func(i int) (int64, error) { return strconv.ParseInt(string(hb[6+8*i:14+8*i]), 16, 64) }
		// Fields: ino mode uid gid nlink mtime filesize devmajor devminor
		// rdevmajor rdevminor namesize check.
		mode, e1 := f(1)
		fileSize, e2 := f(6)
		nameSize, e3 := f(11)
		if err := firstErr(e1, e2, e3); err != nil {
			return cpioHeader{}, err
		}
		return cpioHeader{mode: mode, nameSize: nameSize, fileSize: fileSize, hdrSize: 110, align: 4}, nil
	}
	return cpioHeader{}, fmt.Errorf("no cpio magic")
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
