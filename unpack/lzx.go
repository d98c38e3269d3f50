package unpack

import (
	"errors"
	"fmt"
)

// LZX decompression (MS-PATCH / the Microsoft Cabinet LZX format,
// [MS-PATCH] 2 and the CAB specification's LZX section), as used by CAB
// folders and CHM content sections. Output comes in frames of 32 KiB; the
// bit stream is realigned to 16 bits after each frame, and in CHM the whole
// state resets every few frames (the reset interval).

var errLZX = errors.New("lzx: corrupt data")

const (
	lzxFrame       = 32768
	lzxNumChars    = 256
	lzxPretree     = 20
	lzxLengthTree  = 249
	lzxAlignedTree = 8
	lzxMaxMain     = lzxNumChars + 50*8
)

var lzxExtraBits, lzxPosBase [51]uint32

func init() {
	for i, j := 0, uint32(0); i < 51; i += 2 {
		lzxExtraBits[i] = j
		if i+1 < 51 {
			lzxExtraBits[i+1] = j
		}
		if i != 0 && j < 17 {
			j++
		}
	}
	for i := 1; i < 51; i++ {
		lzxPosBase[i] = lzxPosBase[i-1] + 1<<lzxExtraBits[i-1]
	}
}

// huffTable is a canonical Huffman code decoded by one lookup of maxLen
// bits: each entry holds symbol<<5 | code length (0 for no code).
type huffTable struct {
	maxLen uint
	table  []uint32
}

func (h *huffTable) build(lens []byte) error {
	var maxLen uint
	for _, l := range lens {
		if uint(l) > maxLen {
			maxLen = uint(l)
		}
	}
	if maxLen > 16 {
		return errLZX
	}
	h.maxLen = maxLen
	if maxLen == 0 {
		h.table = h.table[:0]
		return nil
	}
	size := 1 << maxLen
	if cap(h.table) < size {
		h.table = make([]uint32, size)
	}
	h.table = h.table[:size]
	clear(h.table)
	code := 0
	for l := uint(1); l <= maxLen; l++ {
		for sym, sl := range lens {
			if uint(sl) != l {
				continue
			}
			span := 1 << (maxLen - l)
			start := code << (maxLen - l)
			if start+span > size {
				return errLZX // over-subscribed
			}
			e := uint32(sym)<<5 | uint32(l)
			for k := start; k < start+span; k++ {
				h.table[k] = e
			}
			code++
		}
		code <<= 1
	}
	return nil
}

// lzxBits reads 16-bit little-endian words, most significant bit first.
type lzxBits struct {
	in   []byte
	pos  int
	buf  uint64 // valid bits at the top
	n    uint
	over int // words read past the end
}

func (b *lzxBits) fill() {
	for b.n <= 48 {
		var w uint64
		if b.pos+1 < len(b.in) {
			w = uint64(b.in[b.pos]) | uint64(b.in[b.pos+1])<<8
			b.pos += 2
		} else {
			b.over++
			b.pos += 2
		}
		b.buf |= w << (48 - b.n)
		b.n += 16
	}
}

func (b *lzxBits) read(n uint) uint32 {
	if n == 0 {
		return 0
	}
	if b.n < n {
		b.fill()
	}
	v := uint32(b.buf >> (64 - n))
	b.buf <<= n
	b.n -= n
	return v
}

func (b *lzxBits) decode(h *huffTable) (int, error) {
	if h.maxLen == 0 {
		return 0, errLZX
	}
	if b.n < h.maxLen {
		b.fill()
	}
	e := h.table[b.buf>>(64-h.maxLen)]
	l := uint(e & 31)
	if l == 0 {
		return 0, errLZX
	}
	b.buf <<= l
	b.n -= l
	return int(e >> 5), nil
}

// align drops the bits up to the next 16-bit word boundary.
func (b *lzxBits) align() {
	b.read(b.n & 15)
}

func (b *lzxBits) seekByte(p int) {
	b.pos, b.buf, b.n = p, 0, 0
}

type lzxDecoder struct {
	bits          lzxBits
	window        []byte
	wpos          int
	numSlots      int
	resetInterval int // frames between resets, 0 = never
	frame         int

	r0, r1, r2     uint32
	mainLen        [lzxMaxMain]byte
	lenLen         [lzxLengthTree]byte
	alignLen       [lzxAlignedTree]byte
	main, length   huffTable
	aligned, pre   huffTable
	blockType      int
	blockRemaining int
	blockOdd       bool
	headerRead     bool
	e8Size         int32
	intelStarted   bool
}

// newLZX decodes in with a window of 2^windowBits bytes (15..21).
func newLZX(in []byte, windowBits int, resetInterval int) (*lzxDecoder, error) {
	if windowBits < 15 || windowBits > 21 {
		return nil, fmt.Errorf("%w: window of 2^%d", errLZX, windowBits)
	}
	slots := map[int]int{15: 30, 16: 32, 17: 34, 18: 36, 19: 38, 20: 42, 21: 50}[windowBits]
	d := &lzxDecoder{window: make([]byte, 1<<windowBits), numSlots: slots, resetInterval: resetInterval}
	d.bits.in = in
	d.reset()
	return d, nil
}

func (d *lzxDecoder) reset() {
	d.r0, d.r1, d.r2 = 1, 1, 1
	clear(d.mainLen[:])
	clear(d.lenLen[:])
	d.blockType, d.blockRemaining, d.headerRead, d.intelStarted = 0, 0, false, false
}

// readLens reads code lengths first..last of lens, delta-coded through a
// pretree.
func (d *lzxDecoder) readLens(lens []byte, first, last int) error {
	var pl [lzxPretree]byte
	for i := range pl {
		pl[i] = byte(d.bits.read(4))
	}
	if err := d.pre.build(pl[:]); err != nil {
		return err
	}
	for x := first; x < last; {
		z, err := d.bits.decode(&d.pre)
		if err != nil {
			return err
		}
		switch z {
		case 17, 18:
			var run int
			if z == 17 {
				run = int(d.bits.read(4)) + 4
			} else {
				run = int(d.bits.read(5)) + 20
			}
			for ; run > 0 && x < last; run-- {
				lens[x] = 0
				x++
			}
		case 19:
			run := int(d.bits.read(1)) + 4
			z, err = d.bits.decode(&d.pre)
			if err != nil || z > 16 {
				return errLZX
			}
			v := (int(lens[x]) - z + 17) % 17
			for ; run > 0 && x < last; run-- {
				lens[x] = byte(v)
				x++
			}
		default:
			lens[x] = byte((int(lens[x]) - z + 17) % 17)
			x++
		}
	}
	return nil
}

func (d *lzxDecoder) readBlockHeader() error {
	if d.blockType == 3 && d.blockOdd {
		// An uncompressed block of odd length is padded to a word.
		d.bits.seekByte(d.bits.pos + 1)
	}
	d.blockType = int(d.bits.read(3))
	hi := d.bits.read(16)
	d.blockRemaining = int(hi<<8 | d.bits.read(8))
	d.blockOdd = d.blockRemaining&1 == 1
	switch d.blockType {
	case 2: // aligned offsets: the aligned tree, then as verbatim
		for i := range d.alignLen {
			d.alignLen[i] = byte(d.bits.read(3))
		}
		if err := d.aligned.build(d.alignLen[:]); err != nil {
			return err
		}
		fallthrough
	case 1:
		if err := d.readLens(d.mainLen[:], 0, lzxNumChars); err != nil {
			return err
		}
		n := lzxNumChars + d.numSlots*8
		if err := d.readLens(d.mainLen[:], lzxNumChars, n); err != nil {
			return err
		}
		if err := d.main.build(d.mainLen[:n]); err != nil {
			return err
		}
		if d.mainLen[0xe8] != 0 {
			d.intelStarted = true
		}
		if err := d.readLens(d.lenLen[:], 0, lzxLengthTree); err != nil {
			return err
		}
		return d.length.build(d.lenLen[:])
	case 3:
		d.intelStarted = true
		// Skip 1 to 16 bits to the next word boundary (16 when already
		// aligned), then R0..R2 as little-endian 32-bit values.
		p := ((d.bits.pos*8-int(d.bits.n))/16 + 1) * 2
		in := d.bits.in
		if p+12 > len(in) {
			return errLZX
		}
		d.r0 = uint32(in[p]) | uint32(in[p+1])<<8 | uint32(in[p+2])<<16 | uint32(in[p+3])<<24
		d.r1 = uint32(in[p+4]) | uint32(in[p+5])<<8 | uint32(in[p+6])<<16 | uint32(in[p+7])<<24
		d.r2 = uint32(in[p+8]) | uint32(in[p+9])<<8 | uint32(in[p+10])<<16 | uint32(in[p+11])<<24
		d.bits.seekByte(p + 12)
		return nil
	}
	return fmt.Errorf("%w: block type %d", errLZX, d.blockType)
}

// decodeFrame returns the next frame of size bytes (32 KiB but for the last),
// E8-translated.
func (d *lzxDecoder) decodeFrame(size int) ([]byte, error) {
	if d.resetInterval > 0 && d.frame > 0 && d.frame%d.resetInterval == 0 {
		d.reset()
	}
	if !d.headerRead {
		if d.bits.read(1) == 1 {
			hi := d.bits.read(16)
			d.e8Size = int32(hi<<16 | d.bits.read(16))
		} else {
			d.e8Size = 0
		}
		d.headerRead = true
	}
	out := make([]byte, 0, size)
	wmask := len(d.window) - 1
	for len(out) < size {
		if d.blockRemaining == 0 {
			if err := d.readBlockHeader(); err != nil {
				return out, err
			}
			continue
		}
		run := min(d.blockRemaining, size-len(out))
		d.blockRemaining -= run
		if d.blockType == 3 {
			p := d.bits.pos
			if p+run > len(d.bits.in) {
				return out, errLZX
			}
			for _, c := range d.bits.in[p : p+run] {
				d.window[d.wpos] = c
				d.wpos = (d.wpos + 1) & wmask
			}
			out = append(out, d.bits.in[p:p+run]...)
			d.bits.pos += run
			continue
		}
		for run > 0 {
			sym, err := d.bits.decode(&d.main)
			if err != nil {
				return out, err
			}
			if sym < lzxNumChars {
				d.window[d.wpos] = byte(sym)
				d.wpos = (d.wpos + 1) & wmask
				out = append(out, byte(sym))
				run--
				continue
			}
			sym -= lzxNumChars
			length := sym & 7
			if length == 7 {
				l, err := d.bits.decode(&d.length)
				if err != nil {
					return out, err
				}
				length += l
			}
			length += 2
			slot := sym >> 3
			var off uint32
			switch slot {
			case 0:
				off = d.r0
			case 1:
				off = d.r1
				d.r1, d.r0 = d.r0, off
			case 2:
				off = d.r2
				d.r2, d.r0 = d.r0, off
			default:
				extra := uint(lzxExtraBits[slot])
				off = lzxPosBase[slot] - 2
				if d.blockType == 2 && extra >= 3 {
					off += d.bits.read(extra-3) << 3
					a, err := d.bits.decode(&d.aligned)
					if err != nil {
						return out, err
					}
					off += uint32(a)
				} else {
					off += d.bits.read(extra)
				}
				d.r2, d.r1, d.r0 = d.r1, d.r0, off
			}
			if length > run || off == 0 || int(off) > len(d.window) {
				return out, errLZX
			}
			src := (d.wpos - int(off)) & wmask
			for k := 0; k < length; k++ {
				c := d.window[src]
				d.window[d.wpos] = c
				out = append(out, c)
				src = (src + 1) & wmask
				d.wpos = (d.wpos + 1) & wmask
			}
			run -= length
		}
		if d.bits.over > 2 {
			return out, fmt.Errorf("%w: input ends inside a block", errLZX)
		}
	}
	if d.blockType != 3 {
		d.bits.align()
	}
	if d.e8Size != 0 && d.intelStarted && d.frame < 32768 && size > 10 {
		lzxE8(out, int32(d.frame*lzxFrame), d.e8Size)
	}
	d.frame++
	return out, nil
}

// lzxE8 undoes the encoder's rewrite of x86 CALL targets (E8 xx xx xx xx)
// from relative to absolute.
func lzxE8(b []byte, curpos, size int32) {
	for i := 0; i < len(b)-10; i++ {
		if b[i] != 0xe8 {
			continue
		}
		abs := int32(uint32(b[i+1]) | uint32(b[i+2])<<8 | uint32(b[i+3])<<16 | uint32(b[i+4])<<24)
		pos := curpos + int32(i)
		if abs >= -pos && abs < size {
			rel := abs - pos
			if abs < 0 {
				rel = abs + size
			}
			b[i+1], b[i+2], b[i+3], b[i+4] = byte(rel), byte(rel>>8), byte(rel>>16), byte(rel>>24)
		}
		i += 4
	}
}
