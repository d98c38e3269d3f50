package unpack

import (
	"encoding/binary"
	"fmt"
	"io"
	"math/bits"
	"sort"
	"strings"
)

// Compiled HTML Help (.chm), from the format's public descriptions (the
// "ITSF" file format notes of the chmlib and libmspack documentation): an
// ITSF header gives the directory's place and the start of content
// section 0; the directory ("ITSP") is a run of fixed-size chunks, of
// which the "PMGL" ones list entries (name, section, offset, length, the
// numbers in a 7-bits-a-byte big-endian encoding). Section 0 is stored;
// section 1 ("MSCompressed") is one LZX stream kept as the section-0 file
// ::DataSpace/Storage/MSCompressed/Content, its window and reset interval
// in .../ControlData ("LZXC") and its length in the reset table.

const (
	chmContent   = "::DataSpace/Storage/MSCompressed/Content"
	chmControl   = "::DataSpace/Storage/MSCompressed/ControlData"
	chmResets    = "::DataSpace/Storage/MSCompressed/Transform/{7FC28940-9D31-11D0-9B27-00A0C91E9C7C}/InstanceData/ResetTable"
	chmMaxChunk  = 1 << 16
	chmFrameSize = 1 << 15
	// chmMaxEntries bounds the directory read before any file is: a
	// hostile directory can list far more entries than files exist.
	chmMaxEntries = 1 << 20
)

type chmEntry struct {
	name           string
	section        uint64
	offset, length uint64
}

func (w *walker) chm(src io.ReaderAt, size int64) error {
	var h [0x60]byte
	if n, _ := src.ReadAt(h[:], 0); n < 0x58 || string(h[:4]) != "ITSF" {
		return fmt.Errorf("%w: chm: ITSF header cut short", ErrCorrupt)
	}
	dirOff := int64(binary.LittleEndian.Uint64(h[0x48:]))
	dirLen := int64(binary.LittleEndian.Uint64(h[0x50:]))
	contentOff := dirOff + dirLen
	if binary.LittleEndian.Uint32(h[4:]) >= 3 && binary.LittleEndian.Uint32(h[8:]) >= 0x60 {
		contentOff = int64(binary.LittleEndian.Uint64(h[0x58:]))
	}
	if dirOff < 0 || dirLen < 0x54 || dirOff > size || dirLen > size-dirOff || contentOff < 0 || contentOff > size {
		return fmt.Errorf("%w: chm: directory at %d (%d bytes) in a %d-byte file", ErrCorrupt, dirOff, dirLen, size)
	}
	entries, damage := readCHMDirectory(src, dirOff, dirLen)
	w.info.MemberCount = len(entries)
	var sec1 []chmEntry
	byName := map[string]chmEntry{}
	for _, e := range entries {
		byName[e.name] = e
	}
	for _, e := range entries {
		if e.length == 0 || strings.HasSuffix(e.name, "/") || e.name == chmContent {
			continue
		}
		if e.section != 0 {
			sec1 = append(sec1, e)
			continue
		}
		e := e
		if _, stop := w.emit(e.name, false, func() (io.Reader, error) {
			return chmStored(src, size, contentOff, e)
		}); stop != nil {
			return stop
		}
	}
	if len(sec1) == 0 {
		return damage
	}
	sort.SliceStable(sec1, func(a, b int) bool { return sec1[a].offset < sec1[b].offset })
	s, err := openCHMSection1(src, size, contentOff, byName)
	for _, e := range sec1 {
		e := e
		if _, stop := w.emit(e.name, false, func() (io.Reader, error) {
			if err != nil {
				return nil, err
			}
			if e.section != 1 {
				return nil, fmt.Errorf("%w: chm content section %d", ErrUnsupported, e.section)
			}
			if e.offset < uint64(s.pos) {
				return nil, fmt.Errorf("%w: chm: %q overlaps the file before it", ErrCorrupt, e.name)
			}
			if err := w.skip(s, int64(e.offset)-s.pos); err != nil {
				return nil, err
			}
			return &exactReader{r: io.LimitReader(s, int64(min(e.length, 1<<62))), want: int64(min(e.length, 1<<62))}, nil
		}); stop != nil {
			return stop
		}
	}
	return damage
}

// chmStored opens a section-0 file.
func chmStored(src io.ReaderAt, size, contentOff int64, e chmEntry) (io.Reader, error) {
	if e.offset > uint64(size-contentOff) {
		return nil, fmt.Errorf("%w: chm: %q at %d past the end of the file", ErrCorrupt, e.name, e.offset)
	}
	start := contentOff + int64(e.offset)
	n := min(int64(min(e.length, 1<<62)), size-start)
	rd := io.NewSectionReader(src, start, n)
	if uint64(n) < e.length {
		return &errAfter{r: rd, err: fmt.Errorf("%w: chm: %q of %d bytes, the file holds %d", ErrCorrupt, e.name, e.length, n)}, nil
	}
	return rd, nil
}

// readCHMDirectory reads every PMGL chunk's entries. A damaged chunk is
// reported and the others still read.
func readCHMDirectory(src io.ReaderAt, dirOff, dirLen int64) ([]chmEntry, error) {
	var hp [0x54]byte
	if _, err := src.ReadAt(hp[:], dirOff); err != nil || string(hp[:4]) != "ITSP" {
		return nil, fmt.Errorf("%w: chm: no ITSP directory header", ErrCorrupt)
	}
	hdrLen := int64(binary.LittleEndian.Uint32(hp[8:]))
	chunk := int64(binary.LittleEndian.Uint32(hp[0x10:]))
	nChunks := int64(binary.LittleEndian.Uint32(hp[0x2c:]))
	if hdrLen < 0x54 || hdrLen > dirLen || chunk < 0x20 || chunk > chmMaxChunk {
		return nil, fmt.Errorf("%w: chm: directory header (%d bytes, chunks of %d)", ErrCorrupt, hdrLen, chunk)
	}
	var damage error
	if nChunks*chunk > dirLen-hdrLen {
		damage = fmt.Errorf("%w: chm: %d directory chunks of %d bytes do not fit the directory", ErrCorrupt, nChunks, chunk)
		nChunks = (dirLen - hdrLen) / chunk
	}
	var out []chmEntry
	buf := make([]byte, chunk)
	for i := int64(0); i < nChunks; i++ {
		if _, err := src.ReadAt(buf, dirOff+hdrLen+i*chunk); err != nil {
			return out, fmt.Errorf("%w: chm: directory chunk %d: %v", ErrCorrupt, i, err)
		}
		if string(buf[:4]) != "PMGL" {
			continue // PMGI index chunks repeat names that PMGL chunks hold
		}
		free := int64(binary.LittleEndian.Uint32(buf[4:]))
		end := chunk - free
		if free > chunk-0x14 {
			damage = fmt.Errorf("%w: chm: directory chunk %d", ErrCorrupt, i)
			end = chunk
		}
		for p := int64(0x14); p < end; {
			e, n, ok := parseCHMEntry(buf[p:end])
			if !ok {
				damage = fmt.Errorf("%w: chm: directory chunk %d: entry at %d", ErrCorrupt, i, p)
				break
			}
			out = append(out, e)
			if len(out) > chmMaxEntries {
				return out, fmt.Errorf("%w: chm: more than %d directory entries", ErrCorrupt, chmMaxEntries)
			}
			p += int64(n)
		}
	}
	return out, damage
}

func parseCHMEntry(b []byte) (chmEntry, int, bool) {
	p := 0
	encint := func() (uint64, bool) {
		var v uint64
		for i := 0; i < 9 && p < len(b); i++ {
			c := b[p]
			p++
			v = v<<7 | uint64(c&0x7f)
			if c&0x80 == 0 {
				return v, true
			}
		}
		return 0, false
	}
	nl, ok := encint()
	if !ok || nl == 0 || nl > uint64(len(b)-p) {
		return chmEntry{}, 0, false
	}
	e := chmEntry{name: string(b[p : p+int(nl)])}
	p += int(nl)
	var ok1, ok2, ok3 bool
	e.section, ok1 = encint()
	e.offset, ok2 = encint()
	e.length, ok3 = encint()
	return e, p, ok1 && ok2 && ok3
}

// chmSection1 streams the decompressed MSCompressed section.
type chmSection1 struct {
	lzx  *lzxDecoder
	left int64 // bytes the reset table says the section holds
	pos  int64
	buf  []byte
	err  error
}

func openCHMSection1(src io.ReaderAt, size, contentOff int64, byName map[string]chmEntry) (*chmSection1, error) {
	read := func(name string, max uint64) ([]byte, error) {
		e, ok := byName[name]
		if !ok || e.section != 0 {
			return nil, fmt.Errorf("%w: chm: no %s", ErrCorrupt, name)
		}
		if e.length > max || e.offset > uint64(size) || contentOff+int64(e.offset)+int64(e.length) > size {
			return nil, fmt.Errorf("%w: chm: %s of %d bytes at %d", ErrCorrupt, name, e.length, e.offset)
		}
		b := make([]byte, e.length)
		if _, err := src.ReadAt(b, contentOff+int64(e.offset)); err != nil {
			return nil, fmt.Errorf("%w: chm: %s: %v", ErrCorrupt, name, err)
		}
		return b, nil
	}
	ctl, err := read(chmControl, 1024)
	if err != nil {
		return nil, err
	}
	if len(ctl) < 24 || string(ctl[4:8]) != "LZXC" {
		return nil, fmt.Errorf("%w: chm: section 1 is not LZX", ErrUnsupported)
	}
	version := binary.LittleEndian.Uint32(ctl[8:])
	reset := int64(binary.LittleEndian.Uint32(ctl[12:]))
	window := int64(binary.LittleEndian.Uint32(ctl[16:]))
	if version == 2 {
		reset *= chmFrameSize
		window *= chmFrameSize
	}
	if window <= 0 || window&(window-1) != 0 || reset <= 0 || reset%chmFrameSize != 0 {
		return nil, fmt.Errorf("%w: chm: LZX window %d, reset interval %d", ErrCorrupt, window, reset)
	}
	rt, err := read(chmResets, 1<<26)
	if err != nil {
		return nil, err
	}
	if len(rt) < 0x28 {
		return nil, fmt.Errorf("%w: chm: reset table cut short", ErrCorrupt)
	}
	ulen := int64(binary.LittleEndian.Uint64(rt[0x10:]))
	in, err := read(chmContent, uint64(size))
	if err != nil {
		return nil, err
	}
	lzx, err := newLZX(in, bits.TrailingZeros64(uint64(window)), int(reset/chmFrameSize))
	if err != nil {
		return nil, fmt.Errorf("%w: chm: %w", ErrCorrupt, err)
	}
	if ulen < 0 {
		return nil, fmt.Errorf("%w: chm: section of %d bytes", ErrCorrupt, ulen)
	}
	return &chmSection1{lzx: lzx, left: ulen}, nil
}

func (s *chmSection1) Read(p []byte) (int, error) {
	for len(s.buf) == 0 {
		if s.err != nil {
			return 0, s.err
		}
		if s.left <= 0 {
			return 0, io.EOF
		}
		frame := min(s.left, chmFrameSize)
		s.buf, s.err = s.lzx.decodeFrame(int(frame))
		s.left -= int64(len(s.buf))
		if s.err != nil {
			s.err = fmt.Errorf("%w: chm LZX frame %d: %w", ErrCorrupt, s.lzx.frame, s.err)
		}
	}
	n := copy(p, s.buf)
	s.buf = s.buf[n:]
	s.pos += int64(n)
	return n, nil
}
