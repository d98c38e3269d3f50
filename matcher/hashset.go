package matcher

import (
	"bytes"
	"slices"
)

// anySize is the stored size of a hash signature written with "*"; ClamAV
// sizes are at most 2^32-2, so the all-ones value is free.
const anySize = ^uint32(0)

// hashSet is a compact set of digests of one width: millions of entries
// cost width+8 bytes each (digest, size, name index) plus a fixed 256 KiB
// directory by the first two digest bytes, in three pointer-free arrays.
type hashSet struct {
	width   int
	dir     []uint32 // 65537 entries: start of each first-two-bytes bucket
	digests []byte   // n*width, sorted
	sizes   []uint32
	names   []uint32
	sizeSet []uint32 // sorted distinct sizes (section hashes: which sections to hash)
	hasAny  bool
}

// accBlock is how many digests one block of a hashAcc holds: blocks are
// never reallocated, so adding millions copies nothing already stored.
const accBlock = 1 << 16

// hashAcc collects entries before they are sorted into a hashSet.
type hashAcc struct {
	width  int
	blocks [][]byte
	sizes  []uint32
	names  []uint32
}

func (a *hashAcc) add(d []byte, size uint32, name uint32) {
	a.width = len(d)
	if len(a.sizes)%accBlock == 0 {
		a.blocks = append(a.blocks, make([]byte, 0, accBlock*len(d)))
	}
	b := &a.blocks[len(a.blocks)-1]
	*b = append(*b, d...)
	a.sizes = append(a.sizes, size)
	a.names = append(a.names, name)
}

func (a *hashAcc) digest(i int) []byte {
	b := a.blocks[i/accBlock]
	j := i % accBlock * a.width
	return b[j : j+a.width]
}

func (a *hashAcc) len() int { return len(a.sizes) }

// build sorts the entries by digest: a counting sort on the first two bytes
// (digests are uniformly distributed) and a small sort inside each bucket.
// keep filters entries (ignore lists); it may be nil.
func (a *hashAcc) build(width int, keep func(name uint32) bool) hashSet {
	n := a.len()
	hs := hashSet{width: width}
	if n == 0 {
		return hs
	}
	bucket := func(i int) int {
		d := a.digest(i)
		return int(d[0])<<8 | int(d[1])
	}
	hs.dir = make([]uint32, 65537)
	kept := 0
	for i := 0; i < n; i++ {
		if keep != nil && !keep(a.names[i]) {
			continue
		}
		hs.dir[bucket(i)+1]++
		kept++
	}
	for i := 1; i < len(hs.dir); i++ {
		hs.dir[i] += hs.dir[i-1]
	}
	perm := make([]uint32, kept)
	next := slices.Clone(hs.dir[:65536])
	for i := 0; i < n; i++ {
		if keep != nil && !keep(a.names[i]) {
			continue
		}
		b := bucket(i)
		perm[next[b]] = uint32(i)
		next[b]++
	}
	dig := func(i uint32) []byte { return a.digest(int(i)) }
	byDigest := func(x, y uint32) int { return bytes.Compare(dig(x), dig(y)) }
	var keys []uint64
	for b := 0; b < 65536; b++ {
		s := perm[hs.dir[b]:hs.dir[b+1]]
		if len(s) < 2 {
			continue
		}
		if n >= 1<<24 {
			slices.SortFunc(s, byDigest)
			continue
		}
		// Sort by the next five digest bytes packed with the index: a
		// plain integer sort, several times faster than comparing slices.
		keys = keys[:0]
		for _, i := range s {
			d := dig(i)
			k := uint64(d[2])<<32 | uint64(d[3])<<24 | uint64(d[4])<<16 | uint64(d[5])<<8 | uint64(d[6])
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
	// Sizes are known now (counted above), not declared by input.
	hs.digests = make([]byte, 0, kept*width)
	hs.sizes = make([]uint32, 0, kept)
	hs.names = make([]uint32, 0, kept)
	for _, i := range perm {
		hs.digests = append(hs.digests, dig(i)...)
		hs.sizes = append(hs.sizes, a.sizes[i])
		hs.names = append(hs.names, a.names[i])
		if a.sizes[i] == anySize {
			hs.hasAny = true
		}
	}
	hs.sizeSet = slices.Compact(slices.Sorted(slices.Values(hs.sizes)))
	return hs
}

func (h *hashSet) len() int { return len(h.sizes) }

// lookup calls fn with the name index of every entry whose digest is d and
// whose size is size or any.
func (h *hashSet) lookup(d []byte, size int64, fn func(name uint32)) {
	if h.len() == 0 || len(d) != h.width {
		return
	}
	b := int(d[0])<<8 | int(d[1])
	lo, hi := int(h.dir[b]), int(h.dir[b+1])
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if bytes.Compare(h.digests[mid*h.width:(mid+1)*h.width], d) < 0 {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	for ; lo < h.len() && bytes.Equal(h.digests[lo*h.width:(lo+1)*h.width], d); lo++ {
		if s := h.sizes[lo]; s == anySize || int64(s) == size {
			fn(h.names[lo])
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
