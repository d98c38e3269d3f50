package unpack

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// InstallShield's own cabinets (version 6 and later: data1.hdr with
// data1.cab, data2.cab...) are not Microsoft cabinets. Each volume opens
// with a 20-byte header: "ISc(", a version, volume information, and the
// offset and size of the cabinet descriptor, which only the .hdr file
// holds. The descriptor gives the file table's offset (+0x0c), the
// number of directories (+0x1c) and files (+0x28) and where in the file
// table the file entries start (+0x2c). The table opens with one u32 per
// directory, the offset of its name; a file entry is 0x57 bytes: flags
// (u16), plain size, stored size and offset in its volume (u64 each),
// an MD5, the name's offset (+0x3a), its directory (u16, +0x3e), links to
// entries sharing its data (flags at +0x54) and its volume (u16, +0x55).
// A compressed file (flag 4) is a run of chunks, each a u16 length and
// raw deflate data; an obfuscated one (flag 2) has each byte XORed with
// D5, rotated right twice and lowered by its index mod 71; flag 8 marks
// an invalid entry and flag 1 a file continued in the next volume. A
// file stored at offset 0 is one installed from the setup's disk, not
// from a volume.

var magicISCab = []byte("ISc(")

const (
	isCabHeader    = 20
	isCabEntrySize = 0x57
	isCabMaxHeader = 64 << 20 // a data1.hdr lists files; a large one is not one

	isFileSplit      = 1
	isFileObfuscated = 2
	isFileCompressed = 4
	isFileInvalid    = 8
	isLinkPrev       = 1
)

type isCabFile struct {
	name           string
	flags          uint16
	size, stored   int64
	offset         int64
	volume         int
	sharesPrevious bool
}

// external reports whether f is installed from outside the cabinets (the
// setup's disk, which the list holds): stored, at offset 0, which is a
// volume's own header.
func (f isCabFile) external() bool { return f.flags&isFileCompressed == 0 && f.offset == 0 }

// parseISCabHeader reads the file table of a cabinet set's header file.
func parseISCabHeader(hdr []byte) ([]isCabFile, error) {
	if len(hdr) < isCabHeader || !bytes.HasPrefix(hdr, magicISCab) {
		return nil, fmt.Errorf("%w: installshield cabinet header: no ISc( signature", ErrCorrupt)
	}
	if v := isCabVersion(binary.LittleEndian.Uint32(hdr[4:])); v < 6 {
		return nil, fmt.Errorf("%w: installshield %d cabinets (only 6 and later are read)", ErrUnsupported, v)
	}
	le := binary.LittleEndian
	u32 := func(off int64) (int64, bool) {
		if off < 0 || off+4 > int64(len(hdr)) {
			return 0, false
		}
		return int64(le.Uint32(hdr[off:])), true
	}
	desc, _ := u32(12)
	tableOff, ok1 := u32(desc + 0x0c)
	dirs, ok2 := u32(desc + 0x1c)
	count, ok3 := u32(desc + 0x28)
	entriesOff, ok4 := u32(desc + 0x2c)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return nil, fmt.Errorf("%w: installshield cabinet header: descriptor at %d past the end", ErrCorrupt, desc)
	}
	base := desc + tableOff
	first := base + entriesOff
	if base > int64(len(hdr)) || first > int64(len(hdr)) || count > (int64(len(hdr))-first)/isCabEntrySize ||
		dirs > (int64(len(hdr))-base)/4 {
		return nil, fmt.Errorf("%w: installshield cabinet header: %d files and %d directories past its end", ErrCorrupt, count, dirs)
	}
	str := func(off int64) string {
		if off < 0 || off >= int64(len(hdr)) {
			return ""
		}
		s, _, _ := cString(hdr[off:min(int64(len(hdr)), off+isListMaxField)])
		return s
	}
	files := make([]isCabFile, 0, count)
	for i := range count {
		e := hdr[first+i*isCabEntrySize:][:isCabEntrySize]
		f := isCabFile{
			flags:          le.Uint16(e),
			size:           int64(le.Uint64(e[2:])),
			stored:         int64(le.Uint64(e[0x0a:])),
			offset:         int64(le.Uint64(e[0x12:])),
			volume:         int(le.Uint16(e[0x55:])),
			sharesPrevious: e[0x54]&isLinkPrev != 0,
		}
		f.name = str(base + int64(le.Uint32(e[0x3a:])))
		if d := int64(le.Uint16(e[0x3e:])); d < dirs {
			if off, ok := u32(base + 4*d); ok {
				if dir := str(base + off); dir != "" {
					f.name = dir + `\` + f.name
				}
			}
		}
		files = append(files, f)
	}
	return files, nil
}

// isCabVersion is the InstallShield major version a header's version
// word gives.
func isCabVersion(v uint32) int {
	switch v >> 24 {
	case 1:
		return int(v >> 12 & 0xf)
	case 2, 4:
		return int(v&0xffff) / 100
	}
	return 0
}

// isCabVolume names a volume of a set: data1.cab is volume 1.
func isCabVolume(name string) (int, bool) {
	lower := strings.ToLower(name)
	if !strings.HasPrefix(lower, "data") || !strings.HasSuffix(lower, ".cab") {
		return 0, false
	}
	n, err := strconv.Atoi(lower[4 : len(lower)-4])
	return n, err == nil && n > 0
}

// isCabReader opens a file of a cabinet set whose volume is vol (size
// bytes at volOff in src).
func isCabReader(src io.ReaderAt, volOff, volSize int64, f isCabFile) io.Reader {
	avail := max(0, min(f.stored, volSize-f.offset))
	var r io.Reader = io.NewSectionReader(src, volOff+f.offset, avail)
	if f.offset < 0 || f.stored < 0 || avail < f.stored {
		err := fmt.Errorf("%w: installshield cabinet: %q of %d bytes at %d, the volume holds %d", ErrCorrupt, f.name, f.stored, f.offset, volSize)
		if f.flags&isFileSplit != 0 {
			err = fmt.Errorf("%w: installshield cabinet: %q continues in volume %d", ErrUnsupported, f.name, f.volume+1)
		}
		r = &errAfter{r: r, err: err}
	}
	if f.flags&isFileObfuscated != 0 {
		r = &isDeobfuscator{r: r}
	}
	if f.flags&isFileCompressed != 0 {
		return &exactReader{r: io.LimitReader(&isChunkReader{r: r}, f.size), want: f.size}
	}
	return r
}

// isDeobfuscator undoes InstallShield's obfuscation of a file's bytes.
type isDeobfuscator struct {
	r    io.Reader
	seed uint32
}

func (d *isDeobfuscator) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	for i := range p[:n] {
		c := p[i] ^ 0xd5
		p[i] = (c>>2 | c<<6) - byte(d.seed%0x47)
		d.seed++
	}
	return n, err
}

// isChunkReader inflates a compressed file's chunks, each a u16 length
// and raw deflate data flushed, not finished, at its end.
type isChunkReader struct {
	r     io.Reader
	chunk bytes.Reader
	fr    io.ReadCloser
	buf   []byte
}

func (c *isChunkReader) Read(p []byte) (int, error) {
	for {
		if c.fr != nil {
			n, err := c.fr.Read(p)
			if errors.Is(err, io.ErrUnexpectedEOF) && c.chunk.Len() == 0 {
				err = io.EOF // the chunk ends at a flush, as they do
			}
			if err == io.EOF {
				c.fr = nil
				err = nil
			}
			if n > 0 || err != nil {
				return n, err
			}
			continue
		}
		var l [2]byte
		if _, err := io.ReadFull(c.r, l[:]); err != nil {
			if err == io.EOF {
				return 0, io.EOF
			}
			return 0, fmt.Errorf("installshield cabinet: chunk length: %w", err)
		}
		n := int(binary.LittleEndian.Uint16(l[:]))
		c.buf = append(c.buf[:0], make([]byte, n)...)
		if _, err := io.ReadFull(c.r, c.buf); err != nil {
			return 0, fmt.Errorf("installshield cabinet: chunk of %d bytes: %w", n, noEOF(err))
		}
		c.chunk.Reset(c.buf)
		c.fr = flate.NewReader(&c.chunk)
	}
}
