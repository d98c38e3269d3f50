package unpack

import (
	"bufio"
	"errors"
	"io"
	"sort"
)

// Implode (zip method 6, PKZIP 1.x), from PKWARE's APPNOTE ("Imploding"):
// a sliding dictionary of 4 or 8 KiB (general-purpose flag bit 1) and
// two or three Shannon-Fano trees (bit 2: a literal tree is present). The
// stream is read least significant bit first. The trees come first, each
// as a byte giving how many bytes follow less one, each byte a run of
// (count-1)<<4 | (bit length-1): 256 literal codes, then 64 length codes
// and 64 distance codes. Then, until the member's uncompressed size is
// reached: a 1 bit and a literal (a code of the literal tree, or 8 raw
// bits), or a 0 bit, the distance's low 6 or 7 bits raw, its high 6 bits
// as a distance code, and a length code (63 adds 8 raw bits) plus 2, or 3
// with a literal tree. Bytes before the start of the output read as 0.

const (
	implodeFlagDict8K   = 0x2
	implodeFlagLiterals = 0x4
)

var errImplode = errors.New("implode: invalid data")

// sfCode is a Shannon-Fano code as APPNOTE builds it: codes assigned from
// the longest bit length down, so the codes of one length form a
// contiguous range read most significant bit first.
type sfCode struct {
	base  [17]uint32 // first code of each length
	count [17]uint32
	syms  [17][]uint16 // symbols of each length, in code order
}

func (c *sfCode) build(lengths []uint8) error {
	order := make([]int, len(lengths))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return lengths[order[a]] < lengths[order[b]] })
	var code, inc uint32
	last := uint8(0)
	first := [17]bool{}
	for i := len(order) - 1; i >= 0; i-- {
		s := order[i]
		l := lengths[s]
		code += inc
		if l != last {
			last = l
			inc = 1 << (16 - l)
		}
		if code >= 1<<16 {
			return errImplode
		}
		v := code >> (16 - l)
		if !first[l] {
			first[l] = true
			c.base[l] = v
		} else if v != c.base[l]+c.count[l] {
			return errImplode
		}
		c.count[l]++
		c.syms[l] = append(c.syms[l], uint16(s))
	}
	return nil
}

func (c *sfCode) decode(b *lsbBits) (int, bool) {
	var code uint32
	for l := 1; l <= 16; l++ {
		bit, ok := b.get(1)
		if !ok {
			return 0, false
		}
		code = code<<1 | bit
		if n := c.count[l]; n > 0 && code >= c.base[l] && code < c.base[l]+n {
			return int(c.syms[l][code-c.base[l]]), true
		}
	}
	b.err = errImplode
	return 0, false
}

// readSFTree reads a tree's run-length coded bit lengths for n codes.
func readSFTree(r io.ByteReader, n int) (*sfCode, error) {
	nb, err := r.ReadByte()
	if err != nil {
		return nil, io.ErrUnexpectedEOF
	}
	lengths := make([]uint8, 0, n)
	for i := 0; i <= int(nb); i++ {
		b, err := r.ReadByte()
		if err != nil {
			return nil, io.ErrUnexpectedEOF
		}
		for k := 0; k <= int(b>>4); k++ {
			if len(lengths) == n {
				return nil, errImplode
			}
			lengths = append(lengths, b&0xf+1)
		}
	}
	if len(lengths) != n {
		return nil, errImplode
	}
	c := new(sfCode)
	return c, c.build(lengths)
}

type explodeReader struct {
	in              lsbBits
	lit, lens, dist *sfCode
	dictBits        uint
	minMatch        int
	win             [8192]byte
	pos             int64 // bytes written
	size            int64 // bytes to write
	copyLen         int
	copyDist        int64
	err             error
}

// newExplodeReader decodes an imploded member of size bytes whose
// general-purpose flags are flags.
func newExplodeReader(r io.Reader, size int64, flags uint16) io.Reader {
	br, ok := r.(io.ByteReader)
	if !ok {
		br = bufio.NewReader(r)
	}
	e := &explodeReader{in: lsbBits{r: br}, size: size, dictBits: 6, minMatch: 2}
	if flags&implodeFlagDict8K != 0 {
		e.dictBits = 7
	}
	var err error
	if flags&implodeFlagLiterals != 0 {
		e.minMatch = 3
		if e.lit, err = readSFTree(br, 256); err != nil {
			e.err = err
			return e
		}
	}
	if e.lens, err = readSFTree(br, 64); err == nil {
		e.dist, err = readSFTree(br, 64)
	}
	e.err = err
	return e
}

func (e *explodeReader) put(p []byte, n *int, c byte) {
	e.win[e.pos&(int64(len(e.win))-1)] = c
	e.pos++
	p[*n] = c
	*n++
}

func (e *explodeReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if e.pos >= e.size {
			return n, io.EOF
		}
		if e.err != nil {
			return n, e.err
		}
		if e.copyLen > 0 {
			var c byte
			if e.copyDist <= e.pos {
				c = e.win[(e.pos-e.copyDist)&(int64(len(e.win))-1)]
			}
			e.put(p, &n, c)
			e.copyLen--
			continue
		}
		e.next(p, &n)
	}
	return n, nil
}

// next decodes a literal or a match.
func (e *explodeReader) next(p []byte, n *int) {
	fail := func() {
		e.err = e.in.err
		if e.err == nil {
			e.err = errImplode
		}
	}
	flag, ok := e.in.get(1)
	if !ok {
		fail()
		return
	}
	if flag == 1 {
		var c int
		if e.lit != nil {
			c, ok = e.lit.decode(&e.in)
		} else {
			var v uint32
			v, ok = e.in.get(8)
			c = int(v)
		}
		if !ok {
			fail()
			return
		}
		e.put(p, n, byte(c))
		return
	}
	low, ok := e.in.get(e.dictBits)
	if !ok {
		fail()
		return
	}
	high, ok := e.dist.decode(&e.in)
	if !ok {
		fail()
		return
	}
	length, ok := e.lens.decode(&e.in)
	if !ok {
		fail()
		return
	}
	if length == 63 {
		more, ok := e.in.get(8)
		if !ok {
			fail()
			return
		}
		length += int(more)
	}
	e.copyDist = int64(high)<<e.dictBits | int64(low) + 1
	e.copyLen = length + e.minMatch
}
