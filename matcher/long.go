package matcher

import (
	"encoding/binary"
	"math/bits"
	"sync/atomic"
)

// longFilter is the main tier's second filter: a blocked Bloom filter
// (three bits in a 32-bit word, as the 4-gram one) over 8 bytes around
// the probe, tested for the probes that pass the 4-gram filter before
// their lookup. Literals cut from real code have 4-grams that real files
// share (on ELF ~12% of probes passed), each pass a lookup that misses
// cache in tables of ~20 MB; 8 bytes of such a literal are rarely in a
// clean file.
//
// Each entry is keyed by one of three keys, the first whose 8 bytes its
// part fixes:
//   - longAfter: the 8 bytes from the gram on;
//   - longAround: the 4 bytes before the gram and the gram;
//   - longGram: the gram alone, for entries whose part has neither.
//
// A probe passes when any of its three keys is in the filter.
type longFilter struct {
	shift uint32 // 64 - log2(len(bloom))
	bloom []uint32
}

// The multipliers that hash each kind of key, so that the kinds do not
// share keys (odd, from the golden ratio and SplitMix64).
const (
	longAfter  = 0x9E3779B97F4A7C15
	longAround = 0xBF58476D1CE4E5B9
	longGram   = 0x94D049BB133111EB
)

// longReach is how far before and after a probe position the keys read.
const longReach = 4

// newLongFilter returns an empty filter for n entries.
func newLongFilter(n int) *longFilter {
	words := min(max(bits.Len(uint(n*filterBits/32)), 4), maxFilterLog)
	return &longFilter{shift: uint32(64 - words), bloom: make([]uint32, 1<<words)}
}

// longKey is an entry's key: the 8 bytes and the multiplier of their
// kind, or only the kind (longGram) for a key that is the entry's gram.
type longKey struct{ val, kind uint64 }

// longKeyOf returns the key of the gram at cl[j] (cl as gramWindow takes
// it): the first kind whose 8 bytes are all fixed.
func longKeyOf(cl []byteClass, j int) longKey {
	for _, k := range [...]struct {
		from int
		kind uint64
	}{{j, longAfter}, {j - longReach, longAround}} {
		if v, ok := fixed8(cl, k.from); ok {
			return longKey{v, k.kind}
		}
	}
	return longKey{kind: longGram}
}

// fixed8 returns the 8 bytes of cl[from:], little-endian, when each class
// there has one value.
func fixed8(cl []byteClass, from int) (uint64, bool) {
	if from < 0 || from+8 > len(cl) {
		return 0, false
	}
	var v uint64
	for k := range 8 {
		b, ok := cl[from+k].single()
		if !ok {
			return 0, false
		}
		v |= uint64(b) << (8 * k)
	}
	return v, true
}

// addEntry enters the key of an entry whose gram (or gram variant) is g.
func (f *longFilter) addEntry(k longKey, g uint32) {
	if k.kind == longGram {
		k.val = uint64(g)
	}
	f.add(k.val, k.kind)
}

// add enters a key; runs of patterns are listed in parallel (buildTiers).
func (f *longFilter) add(v, mul uint64) {
	h := f.hash(v, mul)
	atomic.OrUint32(&f.bloom[h>>f.shift], bloomBits(uint32(h)))
}

func (f *longFilter) has(v, mul uint64) bool {
	h := f.hash(v, mul)
	m := bloomBits(uint32(h))
	return f.bloom[h>>f.shift]&m == m
}

// hash mixes the high bits of the product into the low ones, which pick
// the bits in the word.
func (*longFilter) hash(v, mul uint64) uint64 {
	h := v * mul
	return h ^ h>>29
}

// pass says whether the probe at buf[i] may be an entry's: some key of
// it is in the filter, or buf does not hold every byte the keys read
// (the file's first and last bytes, whose windows are not checked
// either).
func (f *longFilter) pass(buf []byte, i int) bool {
	if i < longReach || i+8 > len(buf) {
		return true
	}
	return f.has(binary.LittleEndian.Uint64(buf[i:]), longAfter) ||
		f.has(binary.LittleEndian.Uint64(buf[i-longReach:]), longAround) ||
		f.has(uint64(binary.LittleEndian.Uint32(buf[i:])), longGram)
}
