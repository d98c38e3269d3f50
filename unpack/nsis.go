package unpack

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/ulikunitz/xz/lzma"
)

// NSIS installers, from the format NSIS's own sources document
// (fileform.h): a first header at a 512-byte boundary of the PE overlay
// (flags, 0xDEADBEEF, "NullsoftInst", the header's and the archive's
// lengths), then the data. Unsolid, each block is a 32-bit length whose top
// bit says it is compressed, then its bytes; solid, the data is one
// compressed stream of such blocks with plain lengths. The first block is
// the installer's script header, the others the files it extracts;
// they are yielded in order ("header", "data-1", ...) without running the
// script. Compressors: LZMA (props byte, 32-bit dictionary size, raw
// stream, read with github.com/ulikunitz/xz/lzma), deflate without a zlib
// wrapper, and NSIS's own bzip2, which is not read.

const (
	nsisFirstHeader = 28
	nsisMaxDict     = 64 << 20
	nsisSearch      = 64 << 10 // how far past the overlay start to look
)

var magicNSIS = []byte("\xef\xbe\xad\xdeNullsoftInst")

// findNSIS finds the first header at a 512-byte boundary from the overlay
// start on.
func findNSIS(r io.ReaderAt, size, overlay int64) (int64, bool) {
	var b [nsisFirstHeader]byte
	for off := (overlay + 511) &^ 511; off <= overlay+nsisSearch && off+nsisFirstHeader <= size; off += 512 {
		if _, err := r.ReadAt(b[:], off); err == nil && bytes.Equal(b[4:20], magicNSIS) {
			return off, true
		}
	}
	return 0, false
}

func (w *walker) nsis(src io.ReaderAt, size int64) error {
	overlay, ok := peOverlay(src, size)
	var fh int64
	if ok {
		fh, ok = findNSIS(src, size, overlay)
	}
	if !ok {
		return fmt.Errorf("%w: nsis: no first header", ErrCorrupt)
	}
	var b [nsisFirstHeader]byte
	src.ReadAt(b[:], fh)
	header := binary.LittleEndian.Uint32(b[20:])
	archive := int64(binary.LittleEndian.Uint32(b[24:]))
	var damage error
	if archive < nsisFirstHeader || archive > size-fh {
		damage = fmt.Errorf("%w: nsis: archive of %d bytes, the file holds %d", ErrCorrupt, archive, size-fh)
		archive = size - fh
	}
	start, end := fh+nsisFirstHeader, fh+archive
	var d [4]byte
	if _, err := src.ReadAt(d[:], start); err != nil {
		return fmt.Errorf("%w: nsis: no data", ErrCorrupt)
	}
	// Unsolid data starts with the header block's length: with the
	// compressed bit, or the header's own length when stored.
	if first := binary.LittleEndian.Uint32(d[:]); (first&0x80000000 != 0 || first == header) && int64(first&0x7fffffff)+4 <= end-start {
		return firstErr(w.nsisBlocks(src, start, end), damage)
	}
	return firstErr(w.nsisSolid(io.NewSectionReader(src, start, end-start)), damage)
}

func nsisName(i int) string {
	if i == 0 {
		return "header"
	}
	return "data-" + strconv.Itoa(i)
}

// nsisBlocks walks unsolid data: each block compressed on its own.
func (w *walker) nsisBlocks(src io.ReaderAt, start, end int64) error {
	for i, p := 0, start; p+4 <= end; i++ {
		var d [4]byte
		if _, err := src.ReadAt(d[:], p); err != nil {
			return fmt.Errorf("%w: nsis: block %d: %v", ErrCorrupt, i, err)
		}
		v := binary.LittleEndian.Uint32(d[:])
		n := int64(v & 0x7fffffff)
		compressed := v&0x80000000 != 0
		data := p + 4
		w.info.MemberCount++
		avail := min(n, end-data)
		if _, stop := w.emit(nsisName(i), false, func() (io.Reader, error) {
			rd := io.Reader(io.NewSectionReader(src, data, avail))
			if compressed {
				var err error
				if rd, err = nsisDecoder(rd); err != nil {
					return nil, err
				}
			}
			if avail < n {
				return &errAfter{r: rd, err: fmt.Errorf("%w: nsis: block %d of %d bytes, the file holds %d", ErrCorrupt, i, n, avail)}, nil
			}
			return rd, nil
		}); stop != nil {
			return stop
		}
		p = data + n
	}
	return nil
}

// nsisSolid walks solid data: one stream of length-prefixed blocks.
func (w *walker) nsisSolid(r io.Reader) error {
	s, err := nsisDecoder(r)
	if err != nil {
		return err
	}
	for i := 0; ; i++ {
		var d [4]byte
		if _, err := io.ReadFull(s, d[:]); err != nil {
			if err == io.EOF {
				return nil
			}
			return fmt.Errorf("%w: nsis: solid block %d: %v", ErrCorrupt, i, err)
		}
		n := int64(binary.LittleEndian.Uint32(d[:]))
		w.info.MemberCount++
		lr := &io.LimitedReader{R: s, N: n}
		if _, stop := w.emit(nsisName(i), false, func() (io.Reader, error) {
			return &exactReader{r: lr, want: n}, nil
		}); stop != nil {
			return stop
		}
		if lr.N > 0 {
			// The member stopped early (a limit): what follows is lost.
			if err := w.skip(lr, lr.N); err != nil {
				return err
			}
		}
	}
}

// nsisDecoder picks the decompressor from the stream's first bytes.
func nsisDecoder(r io.Reader) (io.Reader, error) {
	var h [5]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, fmt.Errorf("%w: nsis: compressed block cut short", ErrCorrupt)
	}
	dict := binary.LittleEndian.Uint32(h[1:])
	switch {
	case h[0] == 0x5d && dict >= 1<<12 && dict&(dict-1) == 0:
		if dict > nsisMaxDict {
			return nil, fmt.Errorf("%w: nsis: LZMA dictionary of %d bytes", ErrUnsupported, dict)
		}
		// lzma's classic header is these 5 bytes and the size, unknown here.
		hdr := append(h[:], bytes.Repeat([]byte{0xff}, 8)...)
		lr, err := lzma.NewReader(io.MultiReader(bytes.NewReader(hdr), r))
		if err != nil {
			return nil, fmt.Errorf("%w: nsis: %v", ErrCorrupt, err)
		}
		return &nsisLZMAEnd{r: lr}, nil
	case h[0] == 0x31 && h[1] == 0x41 && h[2] == 0x59:
		return nil, fmt.Errorf("%w: nsis bzip2", ErrUnsupported)
	}
	return flate.NewReader(io.MultiReader(bytes.NewReader(h[:]), r)), nil
}

// nsisLZMAEnd: NSIS's LZMA streams have no end marker and no size, so the
// end of the block's bytes is the end of the data.
type nsisLZMAEnd struct{ r io.Reader }

func (e *nsisLZMAEnd) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = io.EOF
	}
	return n, err
}
