package unpack

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
)

// Microsoft Cabinet files (MS-CAB): a header, folders (compressed streams
// of CFDATA blocks: stored, MSZIP or LZX; Quantum is reported unsupported)
// and files, each a range of one folder's uncompressed stream. No count or
// size in the headers is trusted: files are read through bounded readers,
// and every byte a folder decodes, read or skipped, counts against the
// ratio and scan-size limits, so a cabinet that claims terabytes stops at
// a limit after a few megabytes.

var magicCab = []byte("MSCF\x00\x00\x00\x00")

const (
	cabFlagPrev    = 0x1
	cabFlagNext    = 0x2
	cabFlagReserve = 0x4

	cabStored  = 0
	cabMSZIP   = 1
	cabQuantum = 2
	cabLZX     = 3
)

type cabFolder struct {
	dataStart int64
	blocks    int
	comp      uint16
}

type cabFile struct {
	name   string
	size   int64
	offset int64
	folder int
}

type cabinet struct {
	r            io.ReaderAt
	size         int64
	dataReserve  int
	folders      []cabFolder
	files        []cabFile
	folderReserv int
}

func openCab(r io.ReaderAt, size int64) (*cabinet, error) {
	var h [36]byte
	if _, err := r.ReadAt(h[:], 0); err != nil {
		return nil, fmt.Errorf("%w: cab header: %v", ErrCorrupt, err)
	}
	if !bytes.Equal(h[:8], magicCab) {
		return nil, fmt.Errorf("%w: cab: bad signature", ErrCorrupt)
	}
	c := &cabinet{r: r, size: size}
	filesAt := int64(binary.LittleEndian.Uint32(h[16:]))
	nFolders := int(binary.LittleEndian.Uint16(h[26:]))
	nFiles := int(binary.LittleEndian.Uint16(h[28:]))
	flags := binary.LittleEndian.Uint16(h[30:])
	p := int64(36)
	if flags&cabFlagReserve != 0 {
		var rs [4]byte
		if _, err := r.ReadAt(rs[:], p); err != nil {
			return nil, fmt.Errorf("%w: cab reserve sizes: %v", ErrCorrupt, err)
		}
		p += 4 + int64(binary.LittleEndian.Uint16(rs[:]))
		c.folderReserv, c.dataReserve = int(rs[2]), int(rs[3])
	}
	for _, f := range []uint16{cabFlagPrev, cabFlagNext} {
		if flags&f != 0 { // cabinet and disk names of the neighbour
			for k := 0; k < 2; k++ {
				_, n, err := readCString(r, p, 256)
				if err != nil {
					return nil, fmt.Errorf("%w: cab set names: %v", ErrCorrupt, err)
				}
				p += n
			}
		}
	}
	for i := 0; i < nFolders; i++ {
		var fb [8]byte
		if _, err := r.ReadAt(fb[:], p); err != nil {
			return nil, fmt.Errorf("%w: cab folder %d: %v", ErrCorrupt, i, err)
		}
		c.folders = append(c.folders, cabFolder{
			dataStart: int64(binary.LittleEndian.Uint32(fb[:])),
			blocks:    int(binary.LittleEndian.Uint16(fb[4:])),
			comp:      binary.LittleEndian.Uint16(fb[6:]),
		})
		p += 8 + int64(c.folderReserv)
	}
	p = filesAt
	for i := 0; i < nFiles; i++ {
		var fb [16]byte
		if _, err := r.ReadAt(fb[:], p); err != nil {
			return c, fmt.Errorf("%w: cab file entry %d: %v", ErrCorrupt, i, err)
		}
		name, n, err := readCString(r, p+16, 1024)
		if err != nil {
			return c, fmt.Errorf("%w: cab file entry %d name: %v", ErrCorrupt, i, err)
		}
		p += 16 + n
		c.files = append(c.files, cabFile{
			name:   name,
			size:   int64(binary.LittleEndian.Uint32(fb[:])),
			offset: int64(binary.LittleEndian.Uint32(fb[4:])),
			folder: int(binary.LittleEndian.Uint16(fb[8:])),
		})
	}
	return c, nil
}

// readCString reads a NUL-terminated string of at most max bytes at off
// and returns it and the bytes it took, NUL included.
func readCString(r io.ReaderAt, off int64, max int) (string, int64, error) {
	// Read in small steps: every byte read counts as consumed input for
	// the ratio check, and names are short.
	var name []byte
	buf := make([]byte, 64)
	for len(name) <= max {
		n, err := r.ReadAt(buf, off+int64(len(name)))
		if i := bytes.IndexByte(buf[:n], 0); i >= 0 {
			name = append(name, buf[:i]...)
			return string(name), int64(len(name) + 1), nil
		}
		name = append(name, buf[:n]...)
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return "", 0, err
		}
	}
	return "", 0, fmt.Errorf("name longer than %d bytes", max)
}

func (w *walker) cab(src io.ReaderAt, size int64) error {
	c, err := openCab(src, size)
	if c == nil {
		return err
	}
	w.info.MemberCount = len(c.files)
	// Files in folder order, then by offset, so each folder is decoded
	// once from start to end.
	order := make([]int, len(c.files))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		fa, fb := c.files[order[a]], c.files[order[b]]
		if fa.folder != fb.folder {
			return fa.folder < fb.folder
		}
		return fa.offset < fb.offset
	})
	var cur *cabStream
	for _, i := range order {
		f := c.files[i]
		if f.folder >= len(c.folders) {
			// 0xfffd..0xffff: continued from or into another cabinet.
			if _, stop := w.emit(f.name, false, func() (io.Reader, error) {
				return nil, fmt.Errorf("%w: cab file continues in another cabinet of the set", ErrUnsupported)
			}); stop != nil {
				return stop
			}
			continue
		}
		if cur == nil || cur.folder != f.folder || cur.pos > f.offset {
			cur = c.stream(f.folder)
		}
		s := cur
		_, stop := w.emit(f.name, false, func() (io.Reader, error) {
			if err := w.skip(s, f.offset-s.pos); err != nil {
				return nil, err
			}
			return &exactReader{r: io.LimitReader(s, f.size), want: f.size}, nil
		})
		if stop != nil {
			return stop
		}
	}
	return err
}

// skip decodes and drops n bytes of s, counting them as expanded.
func (w *walker) skip(s io.Reader, n int64) error {
	for n > 0 {
		k, err := io.CopyN(io.Discard, s, min(n, 1<<20))
		n -= k
		w.meter.expanded += k
		if w.meter.ratioExceeded() {
			return &LimitError{Limit: LimitRatio, Max: w.lim.MaxRatio}
		}
		if w.lim.MaxScanSize > 0 && w.meter.expanded > w.lim.MaxScanSize {
			return &LimitError{Limit: LimitScanSize, Max: w.lim.MaxScanSize}
		}
		if err != nil {
			return err
		}
		if err := w.ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// exactReader turns an early end into io.ErrUnexpectedEOF: a file whose
// folder ends before it does was not read whole.
type exactReader struct {
	r    io.Reader
	want int64
	got  int64
}

func (e *exactReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	e.got += int64(n)
	if err == io.EOF && e.got < e.want {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// cabStream is a folder's uncompressed stream, decoded block by block.
type cabStream struct {
	c      *cabinet
	folder int
	next   int64 // file offset of the next CFDATA
	block  int
	pos    int64 // uncompressed bytes delivered
	buf    []byte
	hist   []byte // MSZIP: the last 32 KiB, the next block's dictionary
	lzx    *lzxDecoder
	sizes  []int // LZX: each block's uncompressed size
	err    error
}

func (c *cabinet) stream(folder int) *cabStream {
	f := c.folders[folder]
	s := &cabStream{c: c, folder: folder, next: f.dataStart}
	switch f.comp & 0x000f {
	case cabStored, cabMSZIP:
	case cabLZX:
		// LZX's bit stream runs across blocks: gather the folder's
		// compressed data, which is never more than the file holds.
		var in []byte
		for i := 0; i < f.blocks; i++ {
			data, usize, err := s.readBlock()
			if err != nil {
				if len(in) == 0 {
					s.err = err
					return s
				}
				break
			}
			in = append(in, data...)
			s.sizes = append(s.sizes, usize)
		}
		s.lzx, s.err = newLZX(in, int(f.comp>>8&0x1f), 0)
	case cabQuantum:
		s.err = fmt.Errorf("%w: cab Quantum compression", ErrUnsupported)
	default:
		s.err = fmt.Errorf("%w: cab compression %#x", ErrUnsupported, f.comp)
	}
	return s
}

// readBlock reads the next CFDATA: its data and uncompressed size.
func (s *cabStream) readBlock() ([]byte, int, error) {
	var h [8]byte
	if _, err := s.c.r.ReadAt(h[:], s.next); err != nil {
		return nil, 0, fmt.Errorf("%w: cab data block %d: %v", ErrCorrupt, s.block, err)
	}
	clen := int64(binary.LittleEndian.Uint16(h[4:]))
	ulen := int(binary.LittleEndian.Uint16(h[6:]))
	start := s.next + 8 + int64(s.c.dataReserve)
	if start+clen > s.c.size {
		return nil, 0, fmt.Errorf("%w: cab data block %d past the end of the file", ErrCorrupt, s.block)
	}
	data := make([]byte, clen)
	if _, err := s.c.r.ReadAt(data, start); err != nil {
		return nil, 0, fmt.Errorf("%w: cab data block %d: %v", ErrCorrupt, s.block, err)
	}
	s.next = start + clen
	s.block++
	return data, ulen, nil
}

func (s *cabStream) Read(p []byte) (int, error) {
	for len(s.buf) == 0 {
		if s.err != nil {
			return 0, s.err
		}
		s.buf, s.err = s.decodeBlock()
		if s.err == nil && len(s.buf) == 0 {
			s.err = io.EOF
		}
	}
	n := copy(p, s.buf)
	s.buf = s.buf[n:]
	s.pos += int64(n)
	return n, nil
}

func (s *cabStream) decodeBlock() ([]byte, error) {
	f := s.c.folders[s.folder]
	if s.lzx != nil {
		k := s.lzx.frame
		if k >= len(s.sizes) {
			return nil, io.EOF
		}
		out, err := s.lzx.decodeFrame(s.sizes[k])
		if err != nil {
			err = fmt.Errorf("%w: cab LZX block %d: %w", ErrCorrupt, k, err)
		}
		return out, err
	}
	if s.block >= f.blocks {
		return nil, io.EOF
	}
	data, ulen, err := s.readBlock()
	if err != nil {
		return nil, err
	}
	if f.comp&0xf == cabStored {
		return data, nil
	}
	// MSZIP: "CK", then a deflate stream whose window is the previous
	// blocks' output.
	if len(data) < 2 || data[0] != 'C' || data[1] != 'K' {
		return nil, fmt.Errorf("%w: cab MSZIP block %d without its CK signature", ErrCorrupt, s.block-1)
	}
	zr := flate.NewReaderDict(bytes.NewReader(data[2:]), s.hist)
	out, err := io.ReadAll(io.LimitReader(zr, 32768+1))
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) || len(out) > 32768 {
		return out, fmt.Errorf("%w: cab MSZIP block %d: %v", ErrCorrupt, s.block-1, err)
	}
	if ulen != 0 && len(out) != ulen {
		return out, fmt.Errorf("%w: cab MSZIP block %d: %d bytes, header says %d", ErrCorrupt, s.block-1, len(out), ulen)
	}
	s.hist = append(s.hist, out...)
	if len(s.hist) > 32768 {
		s.hist = s.hist[len(s.hist)-32768:]
	}
	return out, nil
}
