package matcher

import (
	"bytes"
	"fmt"
	"math/bits"
	"slices"
	"unsafe"
)

// anySize is the stored size of a hash signature written with "*"; ClamAV
// sizes are at most 2^32-2, so the all-ones value is free.
const anySize = ^uint32(0)

// hashSet is a compact set of digests of one width: millions of entries
// cost width+8 bytes each (digest, size, name index) plus a directory by
// the leading digest bits (at most 256 KiB), in pointer-free blocks of
// accBlock entries. The blocks are the ones the Builder filled, sorted in
// place: building a set of millions copies nothing and allocates nothing
// but a permutation (measured in doc.go).
type hashSet struct {
	width   int
	n       int
	dirBits uint     // the directory is indexed by this many leading digest bits
	dir     []uint32 // 1<<dirBits + 1 entries: start of each bucket
	dblk    [][]byte // digests, accBlock*width bytes per block, sorted
	sblk    [][]uint32
	nblk    [][]uint32
	sizeSet []uint32 // sorted distinct sizes: which files or sections are worth hashing
	hasAny  bool
}

// accBlock is how many digests one block holds: blocks are never
// reallocated, so adding millions copies nothing already stored.
const accBlock = 1 << 16

// hashAcc collects entries before they are sorted into a hashSet.
type hashAcc struct {
	width int
	n     int
	dblk  [][]byte
	sblk  [][]uint32
	nblk  [][]uint32
}

func (a *hashAcc) add(d []byte, size uint32, name uint32) {
	a.width = len(d)
	if a.n%accBlock == 0 {
		a.dblk = append(a.dblk, make([]byte, 0, accBlock*len(d)))
		a.sblk = append(a.sblk, make([]uint32, 0, accBlock))
		a.nblk = append(a.nblk, make([]uint32, 0, accBlock))
	}
	bi := len(a.dblk) - 1
	a.dblk[bi] = append(a.dblk[bi], d...)
	a.sblk[bi] = append(a.sblk[bi], size)
	a.nblk[bi] = append(a.nblk[bi], name)
	a.n++
}

func (a *hashAcc) digest(i int) []byte {
	b := a.dblk[i/accBlock]
	j := i % accBlock * a.width
	return b[j : j+a.width]
}

func (a *hashAcc) size(i int) *uint32 { return &a.sblk[i/accBlock][i%accBlock] }
func (a *hashAcc) name(i int) *uint32 { return &a.nblk[i/accBlock][i%accBlock] }

func (a *hashAcc) len() int { return a.n }

// cut keeps the first n entries: blocks past them go, and the last kept
// block ends at them.
func (a *hashAcc) cut(n int) {
	a.n = n
	blocks := (n + accBlock - 1) / accBlock
	a.dblk, a.sblk, a.nblk = a.dblk[:blocks], a.sblk[:blocks], a.nblk[:blocks]
	if blocks > 0 {
		last, used := blocks-1, n-(blocks-1)*accBlock
		a.dblk[last] = a.dblk[last][:used*a.width]
		a.sblk[last], a.nblk[last] = a.sblk[last][:used], a.nblk[last][:used]
	}
}

// build sorts the entries by digest: a counting sort on the leading bits
// (digests are uniformly distributed) and a small sort inside each bucket,
// giving a permutation that is then applied in place. keep filters entries
// (ignore lists); it may be nil. sizeSet is needed only by section hashes
// (hasSize). The accumulator is consumed.
func (a *hashAcc) build(width int, keep func(name uint32) bool) hashSet {
	hs := hashSet{width: width}
	if a.n == 0 {
		return hs
	}
	if keep != nil {
		// Drop ignored entries first, in place.
		w := 0
		for i := 0; i < a.n; i++ {
			if !keep(*a.name(i)) {
				continue
			}
			if w != i {
				copy(a.digest(w), a.digest(i))
				*a.size(w), *a.name(w) = *a.size(i), *a.name(i)
			}
			w++
		}
		a.cut(w)
		if w == 0 {
			return hs
		}
	}
	n := a.n
	// About four entries per bucket, up to the first two bytes: a
	// segment of a few thousand hashes does not carry a 256 KiB directory.
	hs.dirBits = uint(min(max(bits.Len(uint(n))-2, 4), 16))
	nb := 1 << hs.dirBits
	bucket := func(i int) int {
		d := a.digest(i)
		return (int(d[0])<<8 | int(d[1])) >> (16 - hs.dirBits)
	}
	hs.dir = make([]uint32, nb+1)
	for i := 0; i < n; i++ {
		hs.dir[bucket(i)+1]++
	}
	for i := 1; i < len(hs.dir); i++ {
		hs.dir[i] += hs.dir[i-1]
	}
	perm := make([]uint32, n)
	next := slices.Clone(hs.dir[:nb])
	for i := 0; i < n; i++ {
		b := bucket(i)
		perm[next[b]] = uint32(i)
		next[b]++
	}
	dig := func(i uint32) []byte { return a.digest(int(i)) }
	byDigest := func(x, y uint32) int { return bytes.Compare(dig(x), dig(y)) }
	var keys []uint64
	for b := 0; b < nb; b++ {
		s := perm[hs.dir[b]:hs.dir[b+1]]
		if len(s) < 2 {
			continue
		}
		if n >= 1<<24 {
			slices.SortFunc(s, byDigest)
			continue
		}
		// Sort by the first five digest bytes packed with the index: a
		// plain integer sort, several times faster than comparing slices.
		keys = keys[:0]
		for _, i := range s {
			d := dig(i)
			k := uint64(d[0])<<32 | uint64(d[1])<<24 | uint64(d[2])<<16 | uint64(d[3])<<8 | uint64(d[4])
			keys = append(keys, k<<24|uint64(i))
		}
		slices.Sort(keys)
		for j, k := range keys {
			s[j] = uint32(k & (1<<24 - 1))
		}
		// Equal five-byte prefixes (rare): order those runs fully.
		for j := 0; j < len(keys); {
			e := j + 1
			for e < len(keys) && keys[e]>>24 == keys[j]>>24 {
				e++
			}
			if e-j > 1 {
				slices.SortFunc(s[j:e], byDigest)
			}
			j = e
		}
	}
	// Apply the permutation in place, cycle by cycle: entry k of the
	// result is entry perm[k] of the input. A visited slot is marked by
	// perm[k] = k.
	switch width {
	case 16:
		permute[[16]byte](a, perm)
	case 20:
		permute[[20]byte](a, perm)
	case 32:
		permute[[32]byte](a, perm)
	default: // widths come from hashWidth
		panic(fmt.Sprintf("matcher: hash set of %d-byte digests", width))
	}
	hs.n = n
	// Blocks are allocated whole: trim the last, as a small Segment's
	// only block is mostly empty.
	last := len(a.dblk) - 1
	a.dblk[last], a.sblk[last], a.nblk[last] = trim(a.dblk[last]), trim(a.sblk[last]), trim(a.nblk[last])
	hs.dblk, hs.sblk, hs.nblk = a.dblk, a.sblk, a.nblk
	// The distinct sizes: perm is free again, and a radix sort of millions
	// of sizes is several times faster than slices.Sort.
	sizes := perm[:0]
	for _, blk := range a.sblk {
		for _, s := range blk {
			if s == anySize {
				hs.hasAny = true
			} else {
				sizes = append(sizes, s)
			}
		}
	}
	sizes = radixSort32(sizes, make([]uint32, len(sizes)))
	hs.sizeSet = slices.Clone(slices.Compact(sizes))
	*a = hashAcc{}
	return hs
}

// permute applies perm in place, cycle by cycle: entry k of the result is
// entry perm[k] of the input. A visited slot is marked by perm[k] = k. D is
// the digest as an array, so that moving one is a plain copy and not a call
// to memmove.
func permute[D [16]byte | [20]byte | [32]byte](a *hashAcc, perm []uint32) {
	var z D
	w := len(z)
	dig := func(i int) *D {
		j := i % accBlock * w
		b := a.dblk[i/accBlock][j : j+w]
		return (*D)(unsafe.Pointer(&b[0]))
	}
	for start := range perm {
		if perm[start] == uint32(start) {
			continue
		}
		tmpD := *dig(start)
		tmpS, tmpN := *a.size(start), *a.name(start)
		j := start
		for {
			src := int(perm[j])
			perm[j] = uint32(j)
			if src == start {
				*dig(j) = tmpD
				*a.size(j), *a.name(j) = tmpS, tmpN
				break
			}
			*dig(j) = *dig(src)
			*a.size(j), *a.name(j) = *a.size(src), *a.name(src)
			j = src
		}
	}
}

// radixSort32 sorts a (using tmp, of the same length) in two passes of 16
// bits and returns the sorted slice, which is a or tmp.
func radixSort32(a, tmp []uint32) []uint32 {
	if len(a) < 1<<10 {
		slices.Sort(a)
		return a
	}
	var cnt [1 << 16]uint32
	for shift := 0; shift < 32; shift += 16 {
		clear(cnt[:])
		for _, v := range a {
			cnt[v>>shift&0xffff]++
		}
		sum := uint32(0)
		for i, c := range cnt {
			cnt[i] = sum
			sum += c
		}
		for _, v := range a {
			k := v >> shift & 0xffff
			tmp[cnt[k]] = v
			cnt[k]++
		}
		a, tmp = tmp, a
	}
	return a
}

// digest returns entry i's digest.
func (h *hashSet) digest(i int) []byte {
	b := h.dblk[i/accBlock]
	j := i % accBlock * h.width
	return b[j : j+h.width]
}

func (h *hashSet) len() int { return h.n }

// lookup calls fn with the name index of every entry whose digest is d and
// whose size is size or any.
func (h *hashSet) lookup(d []byte, size int64, fn func(name uint32)) {
	if h.len() == 0 || len(d) != h.width {
		return
	}
	b := (int(d[0])<<8 | int(d[1])) >> (16 - h.dirBits)
	lo, hi := int(h.dir[b]), int(h.dir[b+1])
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if bytes.Compare(h.digest(mid), d) < 0 {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	for ; lo < h.len() && bytes.Equal(h.digest(lo), d); lo++ {
		if s := h.sblk[lo/accBlock][lo%accBlock]; s == anySize || int64(s) == size {
			fn(h.nblk[lo/accBlock][lo%accBlock])
		}
	}
}

// hasSize reports whether some entry has this size (or any size).
func (h *hashSet) hasSize(size int64) bool {
	if h.hasAny {
		return true
	}
	_, ok := slices.BinarySearch(h.sizeSet, uint32(min(size, int64(anySize))))
	return ok && size < int64(anySize)
}
