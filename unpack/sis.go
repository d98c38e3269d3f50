package unpack

import (
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"
	"unicode/utf16"
)

// Symbian installation files (SIS, EPOC release 3 to Symbian 8), from the
// format's public description (Alexander Thoukydides' "SIS File Format"):
// four UIDs (the third 0x10000419; the second 0x10003A12 for release 6),
// then counts (languages at 0x12, files at 0x14), options at 0x24 (bit 0
// Unicode names, bit 3 files not compressed) and the files pointer at
// 0x34. File records follow one another: type 0 a file, 1 a file in one
// variant per language, 2 options, 3 and 4 conditions with an
// expression, 5 and 6 else and endif. A file record gives its file type
// (4: none to install), source and destination names (length and
// pointer), then per variant the data's length and pointer (release 6
// adds the original lengths and a MIME type). Data is zlib-compressed
// unless the options say otherwise. Embedded SIS files are members like
// any other, opened by the scan's recursion.

const (
	sisUID3        = 0x10000419
	sisUIDRelease6 = 0x10003a12
	sisOptUnicode  = 0x1
	sisOptNoComp   = 0x8
	sisFileNone    = 4
	sisMaxLangs    = 256
	sisMaxName     = 2048
)

func (w *walker) sis(src io.ReaderAt, size int64) error {
	var h [0x38]byte
	if _, err := src.ReadAt(h[:], 0); err != nil || binary.LittleEndian.Uint32(h[8:]) != sisUID3 {
		return fmt.Errorf("%w: sis header", ErrCorrupt)
	}
	le := binary.LittleEndian
	release6 := le.Uint32(h[4:]) == sisUIDRelease6
	langs := int64(le.Uint16(h[0x12:]))
	files := int(le.Uint16(h[0x14:]))
	opts := le.Uint16(h[0x24:])
	p := int64(le.Uint32(h[0x34:]))
	if langs == 0 || langs > sisMaxLangs {
		return fmt.Errorf("%w: sis: %d languages", ErrCorrupt, langs)
	}
	u32 := func(at int64) (int64, error) {
		var b [4]byte
		if _, err := src.ReadAt(b[:], at); err != nil {
			return 0, fmt.Errorf("%w: sis record at %d cut short", ErrCorrupt, at)
		}
		return int64(le.Uint32(b[:])), nil
	}
	w.info.MemberCount = files
	for i := 0; i < files; i++ {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		typ, err := u32(p)
		if err != nil {
			return err
		}
		switch typ {
		case 0, 1:
		case 2: // options: a count, each option's name per language, a 16-byte selection
			n, err := u32(p + 4)
			if err != nil {
				return err
			}
			if n > 1<<16 {
				return fmt.Errorf("%w: sis: %d options", ErrCorrupt, n)
			}
			p += 8 + n*8*langs + 16
			continue
		case 3, 4: // if, else-if: an expression of the given size
			n, err := u32(p + 4)
			if err != nil {
				return err
			}
			p += 8 + n
			continue
		case 5, 6:
			p += 4
			continue
		default:
			return fmt.Errorf("%w: sis: file record type %d at %d", ErrCorrupt, typ, p)
		}
		variants := int64(1)
		if typ == 1 {
			variants = langs
		}
		var f [6]int64 // file type, details, source name len/ptr, destination name len/ptr
		for k := range f {
			if f[k], err = u32(p + 4 + 4*int64(k)); err != nil {
				return err
			}
		}
		lens, ptrs := p+28, p+28+4*variants
		next := ptrs + 4*variants
		if release6 {
			next += 4*variants + 8
		}
		name := sisName(src, size, f[4], f[5], opts&sisOptUnicode != 0)
		for v := int64(0); v < variants && f[0] != sisFileNone; v++ {
			n, err := u32(lens + 4*v)
			if err != nil {
				return err
			}
			at, err := u32(ptrs + 4*v)
			if err != nil {
				return err
			}
			var orig int64 = -1
			if release6 {
				if orig, err = u32(ptrs + 4*variants + 4*v); err != nil {
					return err
				}
			}
			label := name
			if variants > 1 {
				label = fmt.Sprintf("%s (language %d)", name, v+1)
			}
			if _, stop := w.emit(label, false, func() (io.Reader, error) {
				return sisData(src, size, at, n, orig, opts&sisOptNoComp == 0)
			}); stop != nil {
				return stop
			}
		}
		p = next
	}
	return nil
}

// sisName reads a name, UTF-16 when the options say so.
func sisName(src io.ReaderAt, size, n, at int64, unicode bool) string {
	if n <= 0 || n > sisMaxName || at < 0 || at+n > size {
		return ""
	}
	b := make([]byte, n)
	if _, err := src.ReadAt(b, at); err != nil {
		return ""
	}
	if !unicode {
		return string(b)
	}
	u := make([]uint16, n/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

func sisData(src io.ReaderAt, size, at, n, orig int64, compressed bool) (io.Reader, error) {
	if at < 0 || at > size {
		return nil, fmt.Errorf("%w: sis: data at %d past the end of the file", ErrCorrupt, at)
	}
	avail := min(n, size-at)
	var rd io.Reader = io.NewSectionReader(src, at, avail)
	if avail < n {
		rd = &errAfter{r: rd, err: fmt.Errorf("%w: sis: data of %d bytes, the file holds %d", ErrCorrupt, n, avail)}
	}
	if !compressed {
		return rd, nil
	}
	zr, err := zlib.NewReader(rd)
	if err != nil {
		return nil, fmt.Errorf("%w: sis: %v", ErrCorrupt, err)
	}
	if orig >= 0 {
		return &exactReader{r: io.LimitReader(zr, orig), want: orig}, nil
	}
	return zr, nil
}
