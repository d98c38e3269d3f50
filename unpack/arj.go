package unpack

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// ARJ archives, from ARJ's technical notes: headers start with 0x60 0xEA
// and a 16-bit basic header size (0 ends the archive, at most 2600), then
// the basic header (its first byte its fixed part's size; version bytes,
// host OS, flags, method, file type, times, compressed and original
// sizes, CRC-32, ...; the name and comment as C strings), its CRC-32, and
// extended headers (a size, 0 for none, each followed by a CRC). The
// first header is the archive's own; each later one precedes a file's
// compressed data. Methods: 0 stored; 1 to 3 the LZ77-Huffman scheme of
// the LHA family (blocks of static Huffman codes for literals and lengths
// and for position bit counts, a 26624-byte dictionary, bits read most
// significant first); 4 "fastest", lengths and positions in a unary-
// prefixed code. Bit 0 of the flags marks a garbled (password-protected)
// file; multi-volume continuations cannot be read alone.

const (
	arjMaxHeader   = 2600
	arjFlagGarbled = 0x01
	arjFlagVolume  = 0x04 // continued in the next volume
	arjTypeDir     = 3
	arjDict        = 26624
	arjThreshold   = 3
	arjNC          = 255 + 256 + 2 - arjThreshold // literals and lengths
	arjNP          = 17                           // position bit counts
	arjNT          = 19                           // code-length codes
)

var errARJ = errors.New("arj: invalid compressed data")

type arjHeader struct {
	flags, method, fileType byte
	compSize, origSize      int64
	crc                     uint32
	name                    string
	next                    int64
}

func (w *walker) arj(src io.ReaderAt, size int64) error {
	h, err := readARJHeader(src, 0, size)
	if err == nil && h == nil {
		err = fmt.Errorf("an end-of-archive header")
	}
	if err != nil {
		return fmt.Errorf("%w: arj main header: %v", ErrCorrupt, err)
	}
	for off := h.next; ; {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		if off+4 > size {
			return nil // no end marker: what was there has been read
		}
		h, err := readARJHeader(src, off, size)
		if err != nil {
			return fmt.Errorf("%w: arj header at %d: %v", ErrCorrupt, off, err)
		}
		if h == nil {
			return nil
		}
		w.info.MemberCount++
		off = h.next + h.compSize
		if h.fileType == arjTypeDir {
			continue
		}
		garbled := h.flags&arjFlagGarbled != 0
		if _, stop := w.emit(h.name, garbled, func() (io.Reader, error) { return openARJ(src, size, h) }); stop != nil {
			return stop
		}
		if off > size {
			return fmt.Errorf("%w: arj: %q runs past the end of the archive", ErrCorrupt, h.name)
		}
	}
}

// readARJHeader reads the header at off; nil at the end-of-archive
// header.
func readARJHeader(src io.ReaderAt, off, size int64) (*arjHeader, error) {
	var pre [4]byte
	if _, err := src.ReadAt(pre[:], off); err != nil {
		return nil, fmt.Errorf("cut short")
	}
	if pre[0] != 0x60 || pre[1] != 0xea {
		return nil, fmt.Errorf("no header id")
	}
	n := int64(binary.LittleEndian.Uint16(pre[2:]))
	if n == 0 {
		return nil, nil
	}
	if n < 30 || n > arjMaxHeader || off+4+n+4 > size {
		return nil, fmt.Errorf("basic header of %d bytes", n)
	}
	b := make([]byte, n+4)
	if _, err := src.ReadAt(b, off+4); err != nil {
		return nil, fmt.Errorf("cut short")
	}
	if crc32.ChecksumIEEE(b[:n]) != binary.LittleEndian.Uint32(b[n:]) {
		return nil, fmt.Errorf("header CRC mismatch")
	}
	first := int64(b[0])
	if first < 30 || first > n {
		return nil, fmt.Errorf("fixed header of %d bytes", first)
	}
	h := &arjHeader{
		flags:    b[4],
		method:   b[5],
		fileType: b[6],
		compSize: int64(binary.LittleEndian.Uint32(b[12:])),
		origSize: int64(binary.LittleEndian.Uint32(b[16:])),
		crc:      binary.LittleEndian.Uint32(b[20:]),
	}
	name := b[first:n]
	if i := indexNUL(name); i >= 0 {
		name = name[:i]
	}
	h.name = string(name)
	// Extended headers: a size and, when not 0, that many bytes and a CRC.
	p := off + 4 + n + 4
	for i := 0; ; i++ {
		var s [2]byte
		if _, err := src.ReadAt(s[:], p); err != nil {
			return nil, fmt.Errorf("extended header cut short")
		}
		es := int64(binary.LittleEndian.Uint16(s[:]))
		p += 2
		if es == 0 {
			break
		}
		if i == 16 || p+es+4 > size {
			return nil, fmt.Errorf("extended headers run past the end")
		}
		p += es + 4
	}
	h.next = p
	return h, nil
}

func openARJ(src io.ReaderAt, size int64, h *arjHeader) (io.Reader, error) {
	if h.flags&arjFlagVolume != 0 {
		return nil, fmt.Errorf("%w: arj: %q continues in another volume", ErrUnsupported, h.name)
	}
	avail := max(0, min(h.compSize, size-h.next))
	data := io.NewSectionReader(src, min(h.next, size), avail)
	var r io.Reader
	switch h.method {
	case 0:
		r = data
	case 1, 2, 3:
		r = newARJLZH(data, h.origSize)
	case 4:
		r = newARJFastest(data, h.origSize)
	default:
		return nil, fmt.Errorf("%w: arj method %d", ErrUnsupported, h.method)
	}
	if h.method == 0 {
		r = io.LimitReader(r, h.origSize)
	}
	return &arjCheck{r: r, want: h.crc, size: h.origSize}, nil
}

// arjCheck reports a CRC mismatch, or data that ends before the size the
// header gives.
type arjCheck struct {
	r    io.Reader
	crc  uint32
	want uint32
	n    int64
	size int64
}

func (c *arjCheck) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.crc = crc32.Update(c.crc, crc32.IEEETable, p[:n])
	c.n += int64(n)
	if err == io.EOF {
		switch {
		case c.n < c.size:
			err = fmt.Errorf("arj: %d of %d bytes", c.n, c.size)
		case c.crc != c.want:
			err = fmt.Errorf("arj: CRC mismatch")
		}
	}
	return n, err
}

// msbBits reads bits most significant first.
type msbBits struct {
	r     io.ByteReader
	bits  uint64
	nbits uint
	eof   int // zero bytes supplied past the end
}

// peek returns the next n (at most 32) bits; past the end of the data
// zeros are read, and too many of them is an error for the caller.
func (b *msbBits) peek(n uint) uint32 {
	for b.nbits < n {
		c, err := b.r.ReadByte()
		if err != nil {
			c = 0
			b.eof++
		}
		b.bits = b.bits<<8 | uint64(c)
		b.nbits += 8
	}
	return uint32(b.bits>>(b.nbits-n)) & (1<<n - 1)
}

func (b *msbBits) get(n uint) uint32 {
	if n == 0 {
		return 0
	}
	v := b.peek(n)
	b.nbits -= n
	b.bits &= 1<<b.nbits - 1
	return v
}

// decode reads a symbol of the canonical code c, or -1.
func (b *msbBits) decode(c *canonCode) int {
	code, first, index := 0, 0, 0
	for l := 1; l < 16; l++ {
		code |= int(b.get(1))
		count := int(c.count[l])
		if code-count < first {
			return int(c.symbol[index+(code-first)])
		}
		index += count
		first += count
		first <<= 1
		code <<= 1
	}
	return -1
}

// arjCode is a code table that may be a single symbol: a block whose
// table size is 0 uses one symbol for every position and reads no bits.
type arjCode struct {
	canonCode
	single int // >= 0: the one symbol
}

func (b *msbBits) sym(c *arjCode) int {
	if c.single >= 0 {
		return c.single
	}
	return b.decode(&c.canonCode)
}

// arjLZH decodes methods 1 to 3.
type arjLZH struct {
	in        msbBits
	win       [arjDict]byte
	pos       int
	left      int64
	block     int
	c, p, t   arjCode
	copyLen   int
	copyFrom  int
	err       error
	maxZeroes int
}

func newARJLZH(r io.Reader, size int64) *arjLZH {
	return &arjLZH{in: msbBits{r: bufio.NewReader(r)}, left: size, maxZeroes: 8}
}

func (d *arjLZH) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if d.left <= 0 {
			return n, io.EOF
		}
		if d.err != nil {
			return n, d.err
		}
		if d.in.eof > d.maxZeroes {
			d.err = fmt.Errorf("%w: data ends early", errARJ)
			continue
		}
		if d.copyLen > 0 {
			c := d.win[d.copyFrom]
			d.copyFrom = (d.copyFrom + 1) % arjDict
			d.copyLen--
			d.out(p, &n, c)
			continue
		}
		if d.block == 0 {
			d.block = int(d.in.get(16))
			if d.err = d.tables(); d.err != nil {
				continue
			}
			if d.block == 0 {
				d.err = errARJ
				continue
			}
		}
		d.block--
		s := d.in.sym(&d.c)
		switch {
		case s < 0:
			d.err = errARJ
		case s < 256:
			d.out(p, &n, byte(s))
		default:
			length := s - 256 + arjThreshold
			ps := d.in.sym(&d.p)
			if ps < 0 {
				d.err = errARJ
				continue
			}
			dist := ps
			if ps > 1 {
				dist = 1<<(ps-1) + int(d.in.get(uint(ps-1)))
			}
			d.copyFrom = ((d.pos-dist-1)%arjDict + arjDict) % arjDict
			d.copyLen = length
		}
	}
	return n, nil
}

func (d *arjLZH) out(p []byte, n *int, c byte) {
	d.win[d.pos] = c
	d.pos = (d.pos + 1) % arjDict
	p[*n] = c
	*n++
	d.left--
}

// tables reads a block's three codes.
func (d *arjLZH) tables() error {
	if err := d.ptLengths(&d.t, arjNT, 5, 3); err != nil {
		return err
	}
	if err := d.cLengths(); err != nil {
		return err
	}
	return d.ptLengths(&d.p, arjNP, 5, -1)
}

func (d *arjLZH) ptLengths(c *arjCode, nn int, nbit uint, special int) error {
	n := int(d.in.get(nbit))
	if n == 0 {
		c.single = int(d.in.get(nbit))
		if c.single >= nn {
			return errARJ
		}
		return nil
	}
	if n > nn {
		return errARJ
	}
	lengths := make([]uint8, nn)
	for i := 0; i < n; {
		l := int(d.in.get(3))
		if l == 7 {
			for d.in.get(1) == 1 {
				if l++; l > 16 {
					return errARJ
				}
			}
		}
		if l > 15 {
			return errARJ
		}
		lengths[i] = uint8(l)
		i++
		if i == special {
			for z := int(d.in.get(2)); z > 0 && i < nn; z-- {
				lengths[i] = 0
				i++
			}
		}
	}
	c.single = -1
	return c.build(lengths)
}

func (d *arjLZH) cLengths() error {
	n := int(d.in.get(9))
	if n == 0 {
		d.c.single = int(d.in.get(9))
		if d.c.single >= arjNC {
			return errARJ
		}
		return nil
	}
	if n > arjNC {
		return errARJ
	}
	lengths := make([]uint8, arjNC)
	for i := 0; i < n; {
		s := d.in.sym(&d.t)
		switch {
		case s < 0:
			return errARJ
		case s <= 2:
			z := 1
			if s == 1 {
				z = int(d.in.get(4)) + 3
			} else if s == 2 {
				z = int(d.in.get(9)) + 20
			}
			if i+z > arjNC {
				return errARJ
			}
			i += z // lengths are already 0
		default:
			if s-2 > 15 {
				return errARJ
			}
			lengths[i] = uint8(s - 2)
			i++
		}
	}
	d.c.single = -1
	return d.c.build(lengths)
}

// arjFastest decodes method 4: a length in a unary-prefixed code (0 is a
// literal of 8 bits), then a position in another.
type arjFastest struct {
	in       msbBits
	win      [1 << 16]byte
	pos      int
	left     int64
	copyLen  int
	copyFrom int
	err      error
}

func newARJFastest(r io.Reader, size int64) *arjFastest {
	return &arjFastest{in: msbBits{r: bufio.NewReader(r)}, left: size}
}

// unary reads ones (at most stop-start) selecting a width, then that many
// bits, adding the sizes of the widths skipped.
func (d *arjFastest) unary(start, stop uint) int {
	plus, pwr := 0, 1<<start
	width := start
	for ; width < stop; width++ {
		if d.in.get(1) == 0 {
			break
		}
		plus += pwr
		pwr <<= 1
	}
	return plus + int(d.in.get(width))
}

func (d *arjFastest) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if d.left <= 0 {
			return n, io.EOF
		}
		if d.err != nil {
			return n, d.err
		}
		if d.in.eof > 8 {
			d.err = fmt.Errorf("%w: data ends early", errARJ)
			continue
		}
		if d.copyLen > 0 {
			c := d.win[d.copyFrom]
			d.copyFrom = (d.copyFrom + 1) & (len(d.win) - 1)
			d.copyLen--
			d.out(p, &n, c)
			continue
		}
		l := d.unary(0, 7)
		if l == 0 {
			d.out(p, &n, byte(d.in.get(8)))
			continue
		}
		d.copyLen = l - 1 + arjThreshold
		d.copyFrom = (d.pos - d.unary(9, 13) - 1) & (len(d.win) - 1)
	}
	return n, nil
}

func (d *arjFastest) out(p []byte, n *int, c byte) {
	d.win[d.pos] = c
	d.pos = (d.pos + 1) & (len(d.win) - 1)
	p[*n] = c
	*n++
	d.left--
}
