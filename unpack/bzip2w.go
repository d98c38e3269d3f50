package unpack

import (
	"container/heap"
)

// bzip2 writing, for Rebuild of a .tar.bz2 (Go's compress/bzip2 only
// reads). Format facts from the bzip2 file format as Julian Seward's
// bzip2 writes it: "BZh9", then blocks (magic 0x314159265359, CRC,
// origPtr of the Burrows-Wheeler transform, the bytes in use, Huffman
// tables, selectors, the MTF/RLE2-coded symbols), then the end magic
// 0x177245385090 and the combined CRC. This writer favours simplicity
// over ratio: two identical Huffman tables per block and one selector.

// bzip2BlockInput keeps a block's initial run-length coding (at most 5
// bytes for 4) under the 900k of level 9.
const bzip2BlockInput = 700_000

// compressBzip2 returns data as a bzip2 stream.
func compressBzip2(data []byte) []byte {
	w := &bzBitWriter{}
	w.bytes([]byte("BZh9"))
	var combined uint32
	for len(data) > 0 {
		n := min(len(data), bzip2BlockInput)
		crc := bzip2CRC(data[:n])
		combined = (combined<<1 | combined>>31) ^ crc
		writeBzip2Block(w, data[:n], crc)
		data = data[n:]
	}
	w.bits(0x177245, 24)
	w.bits(0x385090, 24)
	w.bits(uint64(combined), 32)
	return w.flush()
}

var bzip2CRCTable = func() (t [256]uint32) {
	for i := range t {
		c := uint32(i) << 24
		for k := 0; k < 8; k++ {
			if c&0x80000000 != 0 {
				c = c<<1 ^ 0x04c11db7
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()

// bzip2CRC is CRC-32 most significant bit first, as bzip2 uses it.
func bzip2CRC(b []byte) uint32 {
	c := ^uint32(0)
	for _, x := range b {
		c = c<<8 ^ bzip2CRCTable[byte(c>>24)^x]
	}
	return ^c
}

func writeBzip2Block(w *bzBitWriter, data []byte, crc uint32) {
	block := rle1(data)
	ptr, last := bwt(block)
	var inUse [256]bool
	for _, c := range block {
		inUse[c] = true
	}
	var seqToUnseq []byte
	var unseq [256]byte
	for c := 0; c < 256; c++ {
		if inUse[c] {
			unseq[c] = byte(len(seqToUnseq))
			seqToUnseq = append(seqToUnseq, byte(c))
		}
	}
	syms := mtfRLE2(last, unseq[:], len(seqToUnseq))
	alpha := len(seqToUnseq) + 2
	freq := make([]int, alpha)
	for _, s := range syms {
		freq[s]++
	}
	lens := huffmanLengths(freq, 17)
	codes := canonicalCodes(lens)

	w.bits(0x314159, 24)
	w.bits(0x265359, 24)
	w.bits(uint64(crc), 32)
	w.bits(0, 1) // not randomised
	w.bits(uint64(ptr), 24)
	var used16 uint16
	for i := 0; i < 16; i++ {
		for j := 0; j < 16; j++ {
			if inUse[i*16+j] {
				used16 |= 1 << (15 - i)
			}
		}
	}
	w.bits(uint64(used16), 16)
	for i := 0; i < 16; i++ {
		if used16&(1<<(15-i)) == 0 {
			continue
		}
		var m uint16
		for j := 0; j < 16; j++ {
			if inUse[i*16+j] {
				m |= 1 << (15 - j)
			}
		}
		w.bits(uint64(m), 16)
	}
	const tables = 2
	selectors := (len(syms) + 49) / 50
	w.bits(tables, 3)
	w.bits(uint64(selectors), 15)
	for i := 0; i < selectors; i++ {
		w.bits(0, 1) // table 0, move-to-front coded: a lone 0 bit
	}
	for t := 0; t < tables; t++ {
		cur := lens[0]
		w.bits(uint64(cur), 5)
		for _, l := range lens {
			for cur < l {
				w.bits(2, 2) // 10: one longer
				cur++
			}
			for cur > l {
				w.bits(3, 2) // 11: one shorter
				cur--
			}
			w.bits(0, 1)
		}
	}
	for _, s := range syms {
		w.bits(uint64(codes[s]), uint(lens[s]))
	}
}

// rle1 is bzip2's first run-length coding: a run of 4 to 255 equal bytes
// becomes the 4 bytes and a count of the rest.
func rle1(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/4)
	for i := 0; i < len(b); {
		c, n := b[i], 1
		for i+n < len(b) && b[i+n] == c && n < 255 {
			n++
		}
		if n >= 4 {
			out = append(out, c, c, c, c, byte(n-4))
		} else {
			for k := 0; k < n; k++ {
				out = append(out, c)
			}
		}
		i += n
	}
	return out
}

// bwt returns the Burrows-Wheeler transform of s: the last column of its
// sorted rotations and the row of the unrotated string.
func bwt(s []byte) (ptr int, last []byte) {
	p := sortRotations(s)
	n := len(s)
	last = make([]byte, n)
	for i, r := range p {
		if r == 0 {
			ptr = i
		}
		last[i] = s[(int(r)+n-1)%n]
	}
	return ptr, last
}

// sortRotations sorts the cyclic rotations of s by prefix doubling with
// counting sorts, O(n log n).
func sortRotations(s []byte) []int32 {
	n := len(s)
	p := make([]int32, n)
	c := make([]int32, n)
	cnt := make([]int32, max(256, n))
	for _, x := range s {
		cnt[x]++
	}
	for i := 1; i < 256; i++ {
		cnt[i] += cnt[i-1]
	}
	for i := n - 1; i >= 0; i-- {
		cnt[s[i]]--
		p[cnt[s[i]]] = int32(i)
	}
	classes := int32(1)
	for i := 1; i < n; i++ {
		if s[p[i]] != s[p[i-1]] {
			classes++
		}
		c[p[i]] = classes - 1
	}
	pn := make([]int32, n)
	cn := make([]int32, n)
	for h := 1; h < n && int(classes) < n; h <<= 1 {
		for i := range pn {
			pn[i] = p[i] - int32(h)
			if pn[i] < 0 {
				pn[i] += int32(n)
			}
		}
		clear(cnt[:classes])
		for _, x := range pn {
			cnt[c[x]]++
		}
		for i := int32(1); i < classes; i++ {
			cnt[i] += cnt[i-1]
		}
		for i := n - 1; i >= 0; i-- {
			k := c[pn[i]]
			cnt[k]--
			p[cnt[k]] = pn[i]
		}
		cn[p[0]] = 0
		classes = 1
		for i := 1; i < n; i++ {
			a, b := p[i], p[i-1]
			if c[a] != c[b] || c[(int(a)+h)%n] != c[(int(b)+h)%n] {
				classes++
			}
			cn[a] = classes - 1
		}
		c, cn = cn, c
	}
	return p
}

// mtfRLE2 codes the transform's bytes (as indexes among the bytes in
// use) by move-to-front, zero runs as RUNA/RUNB digits, then end of block.
func mtfRLE2(last []byte, unseq []byte, inUse int) []uint16 {
	order := make([]byte, inUse)
	for i := range order {
		order[i] = byte(i)
	}
	out := make([]uint16, 0, len(last)+1)
	zeros := 0
	flush := func() {
		for z := zeros - 1; zeros > 0; z = (z - 2) / 2 {
			out = append(out, uint16(z&1)) // 0 RUNA, 1 RUNB
			if z < 2 {
				break
			}
		}
		zeros = 0
	}
	for _, b := range last {
		v := unseq[b]
		j := 0
		for order[j] != v {
			j++
		}
		if j == 0 {
			zeros++
			continue
		}
		flush()
		copy(order[1:j+1], order[:j])
		order[0] = v
		out = append(out, uint16(j+1))
	}
	flush()
	return append(out, uint16(inUse+1))
}

// huffmanLengths returns code lengths (1..maxLen) for every symbol, each
// given at least a count of one, halving counts until the longest fits.
func huffmanLengths(freq []int, maxLen int) []int {
	f := make([]int, len(freq))
	for i, x := range freq {
		f[i] = max(x, 1)
	}
	for {
		lens := huffman(f)
		longest := 0
		for _, l := range lens {
			longest = max(longest, l)
		}
		if longest <= maxLen {
			return lens
		}
		for i := range f {
			f[i] = 1 + f[i]/2
		}
	}
}

type hnode struct {
	w           int
	left, right int // -1 for leaves
}

type hheap struct {
	nodes []hnode
	idx   []int
}

func (h *hheap) Len() int           { return len(h.idx) }
func (h *hheap) Less(i, j int) bool { return h.nodes[h.idx[i]].w < h.nodes[h.idx[j]].w }
func (h *hheap) Swap(i, j int)      { h.idx[i], h.idx[j] = h.idx[j], h.idx[i] }
func (h *hheap) Push(x any)         { h.idx = append(h.idx, x.(int)) }
func (h *hheap) Pop() any           { x := h.idx[len(h.idx)-1]; h.idx = h.idx[:len(h.idx)-1]; return x }

func huffman(f []int) []int {
	h := &hheap{}
	for _, w := range f {
		h.nodes = append(h.nodes, hnode{w, -1, -1})
		h.idx = append(h.idx, len(h.nodes)-1)
	}
	heap.Init(h)
	for h.Len() > 1 {
		a, b := heap.Pop(h).(int), heap.Pop(h).(int)
		h.nodes = append(h.nodes, hnode{h.nodes[a].w + h.nodes[b].w, a, b})
		heap.Push(h, len(h.nodes)-1)
	}
	lens := make([]int, len(f))
	var walk func(n, d int)
	walk = func(n, d int) {
		if h.nodes[n].left < 0 {
			lens[n] = max(d, 1)
			return
		}
		walk(h.nodes[n].left, d+1)
		walk(h.nodes[n].right, d+1)
	}
	walk(h.idx[0], 0)
	return lens
}

// canonicalCodes assigns codes by length, then symbol, as bzip2 does.
func canonicalCodes(lens []int) []uint32 {
	codes := make([]uint32, len(lens))
	var code uint32
	for l := 1; l <= 20; l++ {
		for s, x := range lens {
			if x == l {
				codes[s] = code
				code++
			}
		}
		code <<= 1
	}
	return codes
}

// bzBitWriter writes bits most significant first.
type bzBitWriter struct {
	out  []byte
	acc  uint64
	nacc uint
}

func (w *bzBitWriter) bits(v uint64, n uint) {
	for n > 0 {
		k := min(n, 32)
		n -= k
		w.acc = w.acc<<k | (v>>n)&(1<<k-1)
		w.nacc += k
		for w.nacc >= 8 {
			w.nacc -= 8
			w.out = append(w.out, byte(w.acc>>w.nacc))
		}
	}
}

func (w *bzBitWriter) bytes(b []byte) {
	for _, c := range b {
		w.bits(uint64(c), 8)
	}
}

func (w *bzBitWriter) flush() []byte {
	if w.nacc > 0 {
		w.out = append(w.out, byte(w.acc<<(8-w.nacc)))
		w.nacc = 0
	}
	return w.out
}
