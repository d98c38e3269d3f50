package unpack

import (
	"bufio"
	"errors"
	"io"
)

// Deflate64 ("enhanced deflate", zip method 9) is deflate (RFC 1951) with
// the changes PKWARE's APPNOTE and the format's public descriptions give:
// a 64 KiB window, length code 285 taking 16 extra bits over a base of 3
// (instead of meaning 258), and distance codes 30 and 31 (32769 and
// 49153, 14 extra bits each). Go's compress/flate has no such mode, so the
// decoder is written here: canonical Huffman codes decoded code length by
// code length (as zlib's "puff" reference decoder describes), output
// through the window as the caller reads.

const d64Window = 1 << 16

var (
	d64LenBase  = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 3}
	d64LenExtra = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 16}
	d64DistBase = [32]uint32{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073,
		4097, 6145, 8193, 12289, 16385, 24577, 32769, 49153}
	d64DistExtra = [32]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14}
	// The order code-length code lengths are sent in (RFC 1951 3.2.7).
	d64ClOrder = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}
)

var errDeflate64 = errors.New("deflate64: invalid data")

// canonCode is a canonical Huffman code: how many codes of each length, and the
// symbols in code order.
type canonCode struct {
	count  [16]uint16
	symbol []uint16
}

// build makes the code from symbol lengths; an over-subscribed set is
// invalid, an incomplete one allowed (a single distance code is).
func (h *canonCode) build(lengths []uint8) error {
	h.count = [16]uint16{}
	for _, l := range lengths {
		h.count[l]++
	}
	left := 1
	for l := 1; l < 16; l++ {
		left = left<<1 - int(h.count[l])
		if left < 0 {
			return errDeflate64
		}
	}
	var offs [16]uint16
	for l := 1; l < 15; l++ {
		offs[l+1] = offs[l] + h.count[l]
	}
	h.symbol = make([]uint16, len(lengths))
	for s, l := range lengths {
		if l != 0 {
			h.symbol[offs[l]] = uint16(s)
			offs[l]++
		}
	}
	return nil
}

// lsbBits reads bits least-significant first, as deflate packs them.
type lsbBits struct {
	r     io.ByteReader
	bits  uint64
	nbits uint
	err   error
}

func (b *lsbBits) need(n uint) bool {
	for b.nbits < n {
		c, err := b.r.ReadByte()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			b.err = err
			return false
		}
		b.bits |= uint64(c) << b.nbits
		b.nbits += 8
	}
	return true
}

func (b *lsbBits) get(n uint) (uint32, bool) {
	if n == 0 {
		return 0, true
	}
	if !b.need(n) {
		return 0, false
	}
	v := uint32(b.bits & (1<<n - 1))
	b.bits >>= n
	b.nbits -= n
	return v, true
}

// decode reads one symbol of h. Huffman codes are packed most significant
// bit first, so the code is built a bit at a time.
func (b *lsbBits) decode(h *canonCode) (int, bool) {
	code, first, index := 0, 0, 0
	for l := 1; l < 16; l++ {
		bit, ok := b.get(1)
		if !ok {
			return 0, false
		}
		code |= int(bit)
		count := int(h.count[l])
		if code-count < first {
			return int(h.symbol[index+(code-first)]), true
		}
		index += count
		first += count
		first <<= 1
		code <<= 1
	}
	b.err = errDeflate64
	return 0, false
}

type deflate64Reader struct {
	in        lsbBits
	win       [d64Window]byte
	pos       int // bytes written through the window
	final     bool
	inBlock   bool
	stored    int // bytes left in a stored block
	lit, dist canonCode
	copyLen   int // a match still to be copied
	copyDist  int
	err       error
	fixedLit  *canonCode
	fixedDist *canonCode
}

func newDeflate64Reader(r io.Reader) io.ReadCloser {
	br, ok := r.(io.ByteReader)
	if !ok {
		br = bufio.NewReader(r)
	}
	return &deflate64Reader{in: lsbBits{r: br}}
}

func (d *deflate64Reader) Close() error { return nil }

func (d *deflate64Reader) put(p []byte, n *int, c byte) {
	d.win[d.pos&(d64Window-1)] = c
	d.pos++
	p[*n] = c
	*n++
}

func (d *deflate64Reader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if d.err != nil {
			return n, d.err
		}
		switch {
		case d.copyLen > 0:
			for d.copyLen > 0 && n < len(p) {
				d.put(p, &n, d.win[(d.pos-d.copyDist)&(d64Window-1)])
				d.copyLen--
			}
		case !d.inBlock:
			if d.final {
				d.err = io.EOF
				continue
			}
			d.header()
		case d.stored > 0:
			c, err := d.in.r.ReadByte()
			if err != nil {
				d.err = io.ErrUnexpectedEOF
				continue
			}
			d.put(p, &n, c)
			d.stored--
			if d.stored == 0 {
				d.inBlock = false
			}
		default:
			d.symbol(p, &n)
		}
	}
	return n, nil
}

// header starts the next block.
func (d *deflate64Reader) header() {
	hdr, ok := d.in.get(3)
	if !ok {
		d.err = d.in.err
		return
	}
	d.final = hdr&1 == 1
	switch hdr >> 1 {
	case 0:
		d.in.bits, d.in.nbits = d.in.bits>>(d.in.nbits%8), d.in.nbits-d.in.nbits%8
		v, ok := d.in.get(32)
		if !ok {
			d.err = d.in.err
			return
		}
		if uint16(v) != ^uint16(v>>16) {
			d.err = errDeflate64
			return
		}
		// The bit buffer held whole bytes after the alignment, and LEN and
		// NLEN took them, so the block's bytes follow in d.in.r.
		d.stored = int(uint16(v))
		d.inBlock = d.stored > 0
	case 1:
		if d.fixedLit == nil {
			var l [288]uint8
			for i := range l {
				switch {
				case i < 144:
					l[i] = 8
				case i < 256:
					l[i] = 9
				case i < 280:
					l[i] = 7
				default:
					l[i] = 8
				}
			}
			d.fixedLit, d.fixedDist = new(canonCode), new(canonCode)
			d.fixedLit.build(l[:])
			var dl [32]uint8
			for i := range dl {
				dl[i] = 5
			}
			d.fixedDist.build(dl[:])
		}
		d.lit, d.dist = *d.fixedLit, *d.fixedDist
		d.inBlock = true
	case 2:
		d.dynamic()
	default:
		d.err = errDeflate64
	}
}

func (d *deflate64Reader) dynamic() {
	v, ok := d.in.get(14)
	if !ok {
		d.err = d.in.err
		return
	}
	nlen, ndist, ncode := int(v&31)+257, int(v>>5&31)+1, int(v>>10)+4
	if nlen > 288 || ndist > 32 {
		d.err = errDeflate64
		return
	}
	var cl [19]uint8
	for i := 0; i < ncode; i++ {
		c, ok := d.in.get(3)
		if !ok {
			d.err = d.in.err
			return
		}
		cl[d64ClOrder[i]] = uint8(c)
	}
	var clh canonCode
	if clh.build(cl[:]) != nil {
		d.err = errDeflate64
		return
	}
	lengths := make([]uint8, nlen+ndist)
	for i := 0; i < len(lengths); {
		sym, ok := d.in.decode(&clh)
		if !ok {
			d.err = d.in.err
			return
		}
		if sym < 16 {
			lengths[i] = uint8(sym)
			i++
			continue
		}
		var rep uint32
		var val uint8
		switch sym {
		case 16:
			if i == 0 {
				d.err = errDeflate64
				return
			}
			val = lengths[i-1]
			rep, ok = d.in.get(2)
			rep += 3
		case 17:
			rep, ok = d.in.get(3)
			rep += 3
		default:
			rep, ok = d.in.get(7)
			rep += 11
		}
		if !ok {
			d.err = d.in.err
			return
		}
		if i+int(rep) > len(lengths) {
			d.err = errDeflate64
			return
		}
		for ; rep > 0; rep-- {
			lengths[i] = val
			i++
		}
	}
	if lengths[256] == 0 || d.lit.build(lengths[:nlen]) != nil || d.dist.build(lengths[nlen:]) != nil {
		d.err = errDeflate64
		return
	}
	d.inBlock = true
}

// symbol decodes one literal, match or end of block.
func (d *deflate64Reader) symbol(p []byte, n *int) {
	sym, ok := d.in.decode(&d.lit)
	if !ok {
		d.err = d.in.err
		return
	}
	switch {
	case sym < 256:
		d.put(p, n, byte(sym))
		return
	case sym == 256:
		d.inBlock = false
		return
	}
	sym -= 257
	if sym >= len(d64LenBase) {
		d.err = errDeflate64
		return
	}
	e, ok := d.in.get(uint(d64LenExtra[sym]))
	if !ok {
		d.err = d.in.err
		return
	}
	length := int(d64LenBase[sym]) + int(e)
	ds, ok := d.in.decode(&d.dist)
	if !ok {
		d.err = d.in.err
		return
	}
	e, ok = d.in.get(uint(d64DistExtra[ds]))
	if !ok {
		d.err = d.in.err
		return
	}
	dist := int(d64DistBase[ds]) + int(e)
	if dist > d.pos || dist > d64Window {
		d.err = errDeflate64
		return
	}
	d.copyLen, d.copyDist = length, dist
}
