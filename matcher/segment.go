package matcher

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"sort"
)

// Segment is the compiled form of one group of signatures: their programs,
// names and hash sets, and the anchor grams the filter is built from. It
// is immutable, and any number of Matchers may share it: a daemon whose
// update changed one group of lines builds that group's Segment and
// combines it with the unchanged ones, so a reload needs memory for what
// changed and the filter, not for a second copy of the whole database.
type Segment struct {
	c        code
	pats     []pattern
	sigs     []uint32 // ndb signature -> name
	lsigs    []lsigInfo
	nslots   uint32 // count slots of lsigs' subsignatures
	deadLsig []bool
	names    names
	hnames   names    // names of hash signatures (hashNameBit)
	offs     []uint16 // anchor gram offsets (pattern anchorLit/anchorLen)
	filtered []bool   // patterns found through the filter tiers
	short    []uint64 // 2-gram<<48 | shortRef of each short-anchored pattern
	directs  directSet
	slow     []uint32
	// slowFirst holds, for each of slow, the bytes its match can start
	// with: the walk over every position tests that first.
	slowFirst [][4]uint64
	runs      []runGroup // run patterns by byte (run.go)
	always    []uint32   // logical signatures true with no subsignature match
	// pcreAtZero are the logical signatures with a PCRE whose trigger
	// holds when no subsignature matched: the PCREs of the others run only
	// in calls where one of their subsignatures matched.
	pcreAtZero []uint32
	hash       [3]hashSet
	sect       [3]hashSet
	allow      [3]hashSet
	needExe    bool
	stats      Stats
	chunk      int
}

// Stats returns counts of what the segment holds.
func (s *Segment) Stats() Stats { return s.stats.clone() }

// nameBytes decodes name index n (hashside.go: hash names have their own
// arena).
func (s *Segment) nameBytes(n uint32) []byte {
	if n&hashNameBit != 0 {
		return s.hnames.bytes(n &^ hashNameBit)
	}
	return s.names.bytes(n)
}

// maxPatterns keeps a pattern index in the 27 bits a filter reference has.
const maxPatterns = 1 << 27

// Combine builds a Matcher over segs: the filter tiers over all their
// patterns, and the lists a scan walks. The segments are shared, not
// copied; what Combine allocates is the filter (about a tenth of the
// memory at 300k body signatures) and small per-segment tables.
//
// Every segment of one Matcher must have been built with the same ignore
// entries (an ignore list applies to the whole database); allow lists
// apply across segments, as in ClamAV.
func Combine(ctx context.Context, segs ...*Segment) (*Matcher, error) {
	if slices.Contains(segs, nil) {
		return nil, errors.New("matcher: Combine: a nil segment")
	}
	m := &Matcher{segs: segs, first: make([]uint32, len(segs)+1), chunk: defaultChunk}
	if len(segs) > 0 && segs[0].chunk > 0 {
		m.chunk = segs[0].chunk // tests build with small chunks
	}
	total := 0
	var short []uint64
	for i, s := range segs {
		m.first[i] = uint32(total)
		m.stats.add(&s.stats)
		m.needExe = m.needExe || s.needExe
		for t := range 3 {
			m.needDigest[t] = m.needDigest[t] || s.hash[t].len() > 0 || s.allow[t].len() > 0
			m.needSect = m.needSect || s.sect[t].len() > 0
		}
		for _, r := range s.short {
			short = append(short, r+uint64(total)) // the pattern index is the low bits
		}
		total += len(s.pats)
		if total >= maxPatterns {
			return nil, fmt.Errorf("%w: %d patterns, limit %d", ErrBadSignature, total, maxPatterns)
		}
	}
	m.first[len(segs)] = uint32(total)
	m.sizes = newSizeFilter(segs)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.tiers = buildTiers(segs, m.first)
	m.runReach = runReach(segs)
	if len(short) > 0 {
		m.short = newShortGroup(short)
	}
	return m, ctx.Err()
}

// segOf returns the segment holding global pattern index g.
func (m *Matcher) segOf(g uint32) int {
	if len(m.segs) == 1 {
		return 0
	}
	return sort.Search(len(m.segs), func(i int) bool { return m.first[i+1] > g })
}

// add sums counts of segments into a matcher's. Every segment carries the
// same ignore list, so its size is taken once.
func (s *Stats) add(o *Stats) {
	s.HashSigs += o.HashSigs
	s.SectionHashSigs += o.SectionHashSigs
	s.AllowHashes += o.AllowHashes
	s.BodySigs += o.BodySigs
	s.LogicalSigs += o.LogicalSigs
	s.IgnoreEntries = max(s.IgnoreEntries, o.IgnoreEntries)
	s.Ignored += o.Ignored
	s.Patterns += o.Patterns
	s.Anchored += o.Anchored
	s.ShortAnchored += o.ShortAnchored
	s.Direct += o.Direct
	s.Slow += o.Slow
	s.Runs += o.Runs
	for r, n := range o.NotEvaluated {
		if s.NotEvaluated == nil {
			s.NotEvaluated = make(map[Reason]int)
		}
		s.NotEvaluated[r] += n
	}
}

// sizeFilter says which file sizes some whole-file hash or allow entry of
// any segment may have: a scan asks it before asking every segment (a
// binary search each), so a file whose size no entry has costs one probe
// however many segments there are. One bit per size hash, eight bits per
// distinct size of each segment: ~12% of other sizes pass.
type sizeFilter struct {
	any   [3]bool // some entry of that digest type has size "*"
	bits  []uint64
	shift uint
}

func newSizeFilter(segs []*Segment) sizeFilter {
	var f sizeFilter
	n := 0
	for _, s := range segs {
		for t := range 3 {
			n += len(s.hash[t].sizeSet) + len(s.allow[t].sizeSet)
			f.any[t] = f.any[t] || s.hash[t].hasAny || s.allow[t].hasAny
		}
	}
	lg := max(bits.Len(uint(8*n)), 6)
	f.bits = make([]uint64, 1<<lg/64)
	f.shift = uint(64 - lg)
	for _, s := range segs {
		for t := range 3 {
			for _, set := range []*hashSet{&s.hash[t], &s.allow[t]} {
				for _, v := range set.sizeSet {
					h := f.slot(int64(v))
					f.bits[h/64] |= 1 << (h % 64)
				}
			}
		}
	}
	return f
}

func (f *sizeFilter) slot(size int64) uint64 { return uint64(size) * 0x9E3779B97F4A7C15 >> f.shift }

// maybe reports whether some entry of digest type t may have this size.
func (f *sizeFilter) maybe(t int, size int64) bool {
	if f.any[t] {
		return true
	}
	h := f.slot(size)
	return size < int64(anySize) && f.bits[h/64]&(1<<(h%64)) != 0
}
