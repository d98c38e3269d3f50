package matcher

import (
	"encoding/binary"
	"iter"
	"math"
	"math/bits"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// The anchor filter. A pattern in a tier of stride S (anchor.go) is
// entered with one q-gram per residue mod S, each tagged with its offset in
// the anchor part; the scan probes every S-th position, and whatever the
// alignment of a match exactly one probe falls on one of those grams. A
// probe tests three bits in one 32-bit word of a blocked Bloom filter
// (kernel.go); a main-tier probe that passes is tested again over 8
// bytes (long.go), and only then looks up the exact table.

// filterBits is the filter size per entry, before rounding the word count
// up to a power of two, and maxFilterLog caps it at 2 MB (it was 4 MB in
// the measurements below). Half of 32
// bits doubled the passing probes at 100k (each a lookup that misses
// cache: 52-59 against 57-61 ms a scan of 64 MiB); at 300k patterns 32
// bits round up to 8 MB, and there the cap scans faster although ~0.5%
// of probes pass instead of ~0.1%: 65-79 against 72-110 ms, five rounds
// alternating in one process (the 8 MB filter crowds the shared L3 and
// the 3-gram tier's bitmap; 2 MB: 76-91 ms).
//
// The cap is 2 MB since the main tier has a second filter of 2 MB over
// 8 bytes (longFilter): the 4 MB of the main filter were split between
// the two, so that the store's peak RSS did not grow.
const (
	filterBits   = 32
	maxFilterLog = 19 // 1<<19 words of 4 bytes
)

// tierSpec is one pass of the filter: a stride, a gram length, how many
// variants one gram may be entered with, and how many entries (all grams'
// variants) one pattern may have.
type tierSpec struct {
	stride, q, maxExpand, maxTotal int
}

// tiers, cheapest first: a pattern goes to the first it can be found in.
// The main tier probes every fourth position: a part needs a 4-gram of at
// most 16 variants for each residue, 64 entries in all (7 fixed bytes
// do). The rest (4% of generated signatures: parts of 6-10 bytes with a
// "??" in the middle) are probed at every position by 3-grams, one per
// pattern. BenchmarkTiers, and what was measured against it:
//   - a 3-gram tier at stride 2, or at stride 4 with grams reaching past
//     the part (256 variants per outside byte): the 256 variants of a gram
//     with a "??" hit random data like a 2-gram, 8 per MB per pattern:
//     344 MB/s against 600 for stride 1;
//   - 4-grams at strides 3 and 2 before stride 1: each tier is a kernel
//     run of its own, and the few patterns left for stride 1 still cost a
//     whole run: 190-250 MB/s.
var tiers = [...]tierSpec{
	{4, 4, maxExpand, 4 * maxExpand},
	{1, 3, 256, 1 << 20},
}

type gramTier struct {
	stride int
	q      int
	gmask  uint32 // the gram's bytes: 4 or 3 of the little-endian word
	tierFilter
	// byTarget[t], when set, is the filter of the entries whose target
	// is 0 or t, for content of target t (filterFor): most signatures of
	// real databases are for PE files (main.ldb), and on an ELF file
	// their entries made ~85% of the probes that passed either tier, a
	// lookup each, all rejected by target after it.
	byTarget [maxTarget + 1]*tierFilter
	dirShift uint32
	dir      []uint32 // start in keys/refs of each key>>dirShift bucket
	keys     []uint32 // gram*gramMul, in directory buckets
	refs     []uint64 // pattern, target, gram offset in the anchor part: see refOf
	// checks, beside keys: 7 bytes around the probe position as (value,
	// mask), so that true gram hits on random data (~1400 per MB in the
	// 3-gram tier, ~80 in the main one) are mostly rejected without
	// touching the pattern (gramWindow). In the main tier they cost 21 MB
	// at 300k patterns and gave 756 -> 821 MB/s (BenchmarkScan body=300k,
	// median of five alternating runs of each build). A second word
	// checks the 8 bytes after those: literals cut from real code (the
	// generated set) share their first 7 bytes with real files often
	// enough that ~80k candidates per MB of ELF passed 7 bytes and
	// failed in verification.
	checks []window
	// long, in the main tier: the second filter, over 8 bytes around
	// the probe, that a probe passing the 4-gram filter must also pass.
	long *longFilter
}

// tierFilter is what a tier's probes test before a lookup.
type tierFilter struct {
	shift uint32   // 32 - log2(len(bloom))
	bloom []uint32 // blocked Bloom filter over the grams (4-gram tiers)
	// direct, in 3-gram tiers: the bitmap the direct kernel probes
	// instead of bloom (kernel_direct.go).
	direct []uint32
}

// filterFor returns the filter for content whose targets are tmask (bit
// t: target t applies): the one of its target when that is the only one
// besides 0, else the filter of all entries.
func (t *gramTier) filterFor(tmask uint32) *tierFilter {
	if o := tmask &^ 1; o != 0 && o&(o-1) == 0 {
		if f := t.byTarget[bits.TrailingZeros32(o)]; f != nil {
			return f
		}
	}
	return &t.tierFilter
}

// targetShare bounds the share of a tier's entries a target's own filter
// may hold: above it the filter of all entries filters as well.
const targetShare = 0.75

// newFilter builds a filter over keys (gram*gramMul) of the tier.
func (t *gramTier) newFilter(keys iter.Seq[uint32], n int) tierFilter {
	var f tierFilter
	if t.q < gramLen {
		f.direct = newDirect(keys)
		return f
	}
	words := min(max(bits.Len(uint(n*filterBits/32)), 4), maxFilterLog)
	f.shift = uint32(32 - words)
	f.bloom = make([]uint32, 1<<words)
	for key := range keys {
		f.bloom[key>>f.shift] |= bloomBits(key * gramInv)
	}
	return f
}

// buildTargetFilters sets byTarget for the targets whose entries, with
// target 0's, are at most targetShare of the tier's.
func (t *gramTier) buildTargetFilters() {
	var count [maxTarget + 1]int
	for _, r := range t.refs {
		count[refTarget(r)]++
	}
	for tg := 1; tg <= maxTarget; tg++ {
		n := count[0] + count[tg]
		if count[tg] == 0 || float64(n) > targetShare*float64(len(t.refs)) {
			continue
		}
		f := t.newFilter(func(yield func(uint32) bool) {
			for i, r := range t.refs {
				if rt := refTarget(r); (rt == 0 || rt == uint32(tg)) && !yield(t.keys[i]) {
					return
				}
			}
		}, n)
		t.byTarget[tg] = &f
	}
}

// A filter reference packs what a hit needs before it touches the
// pattern: the gram's offset in the anchor part's classes (refGramBits:
// maxSpan+gramPad fits), the global pattern index (27 bits, maxPatterns),
// the pattern's target (4 bits) and whether its offset is checked first
// (refGated: absolute and end-of-file offsets, see Segment.gateOK).
const (
	refGramBits  = 11
	refPatShift  = refGramBits
	refTgtShift  = refPatShift + 27
	refGated     = 1 << (refTgtShift + 4)
	refGramMask  = 1<<refGramBits - 1
	refPatMask   = 1<<27 - 1
	refTgtMask   = 0xf
	maxRefTarget = refTgtMask
)

// refOf is the reference of global pattern g (p) without its gram offset.
func refOf(g uint32, p *pattern) uint64 {
	r := uint64(g)<<refPatShift | uint64(p.target)<<refTgtShift
	if gated(p.off) {
		r |= refGated
	}
	return r
}

func refPattern(r uint64) uint32 { return uint32(r>>refPatShift) & refPatMask }
func refTarget(r uint64) uint32  { return uint32(r>>refTgtShift) & refTgtMask }
func refGram(r uint64) uint32    { return uint32(r) & refGramMask }

// window is what 15 bytes must be: the first 7 b & mask == val
// (little-endian), the 8 after them b & mask2 == val2. In 3-gram tiers
// the window starts back bytes before the gram; back is kept in the top
// byte of val, whose mask byte is 0.
type window struct{ val, mask, val2, mask2 uint64 }

// windowLen is how many bytes from its start a window checks.
const windowLen = 15

// maxBack bounds how far before its gram a 3-gram tier's window starts.
const maxBack = 3

// gramWindow returns the window of the gram at cl[j] with the most fixed
// bits, starting up to maxBack classes before it (cl begins with gramPad
// "any" classes, so j >= maxBack). The grams of this tier are often the
// last bytes of a short part: a window from the gram on then fixed ~20
// bits and let ~77 of the ~1400 true 3-gram hits per MB of random data
// through to verification, 3.2 us each in BenchmarkScan; with the bytes
// before the gram ~1 per MB passes.
//
// Main-tier grams lie anywhere in a part and a window from the gram on
// fixes enough there, so they try no other start: four tries for each of
// 1.2M grams at 300k made compiling from the store 0.5 s slower (3.37
// against 2.88 s, BenchmarkCompile).
func gramWindow(cl []byteClass, j, q int) window {
	var best window
	bestBits := -1
	first, tries := 0, min(maxBack, j)
	if q == gramLen {
		first = mainBack(cl, j)
		tries = first
	}
	for back := first; back <= tries; back++ {
		w := classWindow(cl[j-back : min(len(cl), j-back+7)])
		if n := bits.OnesCount64(w.mask); n > bestBits {
			best, bestBits = w, n
			best.val |= uint64(back) << 56
		}
	}
	if s := j - int(best.val>>56) + 7; s < len(cl) {
		w := classWindow(cl[s:min(len(cl), s+8)])
		best.val2, best.mask2 = w.val, w.mask
	}
	return best
}

// mainBack is how far before a main-tier gram at cl[j] its window starts:
// as far as needed for the window to end at the last fixed class, not
// before the part's start. A window from the gram on reaches past the end
// of the part for grams near it, and checked little more than the gram:
// literals cut from real code then passed their windows ~35k times per MB
// of ELF, each a verification.
func mainBack(cl []byteClass, j int) int {
	end := len(cl)
	for end > j+gramLen && cl[end-1].n == 256 {
		end--
	}
	return max(0, min(j+windowLen-end, j-gramPad))
}

// holds says whether the windowLen bytes of b are what the window
// allows, when it starts at b[0].
func (w *window) holds(b []byte) bool {
	return binary.LittleEndian.Uint64(b)&w.mask == w.val&(1<<56-1) &&
		binary.LittleEndian.Uint64(b[7:])&w.mask2 == w.val2
}

// classWindow returns the window of the 8 classes from cl (fewer at its end).
func classWindow(cl []byteClass) window {
	var w window
	for k := range min(8, len(cl)) {
		v0, ok := cl[k].first()
		if !ok {
			continue
		}
		var diff byte
		switch cl[k].n {
		case 1:
		case 256: // "??" and the padding past a part: the common cases
			diff = 0xff
		default:
			for wi, word := range cl[k].set {
				for ; word != 0; word &= word - 1 {
					diff |= byte(wi*64+bits.TrailingZeros64(word)) ^ v0
				}
			}
		}
		w.mask |= uint64(^diff) << (8 * k)
		w.val |= uint64(v0&^diff) << (8 * k)
	}
	return w
}

// buildTiers builds one filter tier per tier spec that has patterns, over
// the filtered patterns of every segment (first gives each segment's first
// global pattern index). The patterns are walked twice, in parallel over
// runs of patterns: the first walk counts each run's grams and gram
// variants per tier, so that the second writes them straight into lists
// allocated once at their size (this runs beside a serving matcher, and
// growing lists by appending would leave as much again as garbage). A
// counting sort by directory bucket then places the variants (bucket order
// is all lookup needs).
func buildTiers(segs []*Segment, first []uint32) []*gramTier {
	runs := patternRuns(segs)
	// at[r*len(tiers)+ti]: where run r's grams and variants in tier ti go.
	at := make([]tierSpan, len(runs)*len(tiers))
	eachRun(runs, func(r int, buf *[]byteClass) {
		walkRun(segs[runs[r].seg], runs[r], 0, buf, func(ti int, cl []byteClass, j uint16, _ uint64) {
			sp := &at[r*len(tiers)+ti]
			sp.grefs++
			sp.ents += variantCount(cl[j:], tiers[ti].q, math.MaxInt)
		})
	})
	var lists [len(tiers)]tierLists
	for r := range runs {
		for ti := range tiers {
			sp := &at[r*len(tiers)+ti]
			n := *sp
			*sp = lists[ti].len
			lists[ti].len.grefs += n.grefs
			lists[ti].len.ents += n.ents
		}
	}
	for ti := range lists {
		l := &lists[ti]
		l.ents = make([]uint64, l.len.ents)
		l.grefs = make([]uint64, l.len.grefs)
		l.wins = make([]window, l.len.grefs)
		if tiers[ti].q == gramLen {
			l.long = newLongFilter(l.len.ents)
		}
	}
	eachRun(runs, func(r int, buf *[]byteClass) {
		next := slices.Clone(at[r*len(tiers) : (r+1)*len(tiers)])
		walkRun(segs[runs[r].seg], runs[r], first[runs[r].seg], buf, func(ti int, cl []byteClass, j uint16, ref uint64) {
			l, sp, q := &lists[ti], &next[ti], tiers[ti].q
			gi := uint64(sp.grefs)
			sp.grefs++
			l.grefs[gi] = ref | uint64(j)
			l.wins[gi] = gramWindow(cl, int(j), q)
			var lk longKey
			if l.long != nil {
				lk = longKeyOf(cl, int(j))
			}
			gramVariants(cl[j:j+uint16(q)], q, func(g uint32) {
				l.ents[sp.ents] = uint64(g)<<32 | gi
				sp.ents++
				if l.long != nil {
					l.long.addEntry(lk, g)
				}
			})
		})
	})
	var out []*gramTier
	for ti, ts := range tiers {
		if len(lists[ti].ents) > 0 {
			out = append(out, lists[ti].place(ts))
		}
	}
	return out
}

// tierSpan counts grams (one reference and window each) and their
// variants (one filter entry each).
type tierSpan struct{ grefs, ents int }

// tierLists is one tier's entries before placement: ents are
// gram<<32 | index in grefs and wins.
type tierLists struct {
	len   tierSpan
	ents  []uint64
	grefs []uint64
	wins  []window
	long  *longFilter // in the main tier, filled as the entries are listed
}

// place builds the tier: a counting sort of the entries by directory
// bucket, and the filter.
func (l *tierLists) place(ts tierSpec) *gramTier {
	n, q := len(l.ents), ts.q
	t := &gramTier{stride: ts.stride, q: q, gmask: 1<<(8*q) - 1}
	dirBits := max(bits.Len(uint(n-1))-1, 4)
	t.dirShift = uint32(32 - dirBits)
	t.dir = make([]uint32, 1<<dirBits+1)
	for _, e := range l.ents {
		t.dir[uint32(e>>32)*gramMul>>t.dirShift+1]++
	}
	for i := 1; i < len(t.dir); i++ {
		t.dir[i] += t.dir[i-1]
	}
	next := slices.Clone(t.dir)
	t.keys = make([]uint32, n)
	t.refs = make([]uint64, n)
	t.checks = make([]window, n)
	for _, e := range l.ents {
		g := uint32(e >> 32)
		key := g * gramMul
		i := next[key>>t.dirShift]
		next[key>>t.dirShift]++
		t.keys[i], t.refs[i], t.checks[i] = key, l.grefs[uint32(e)], l.wins[uint32(e)]
	}
	t.tierFilter = t.newFilter(slices.Values(t.keys), n)
	t.long = l.long
	t.buildTargetFilters()
	return t
}

// patternRun is a run of one segment's patterns, the unit of parallel
// work in buildTiers.
type patternRun struct{ seg, lo, hi int }

// runLen is the patterns per run: enough to make handing out runs cheap,
// few enough that one large segment (a Builder's Build) still splits.
const runLen = 4096

func patternRuns(segs []*Segment) []patternRun {
	var runs []patternRun
	for si, s := range segs {
		for lo := 0; lo < len(s.pats); lo += runLen {
			runs = append(runs, patternRun{si, lo, min(lo+runLen, len(s.pats))})
		}
	}
	return runs
}

// eachRun calls f for every run, on as many goroutines as there are
// CPUs, each with its own scratch classes.
func eachRun(runs []patternRun, f func(r int, buf *[]byteClass)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(runs)) {
		wg.Go(func() {
			var buf []byteClass
			for r := int(next.Add(1) - 1); r < len(runs); r = int(next.Add(1) - 1) {
				f(r, &buf)
			}
		})
	}
	wg.Wait()
}

// walkRun calls fn for every anchor gram of the filtered patterns of run
// (in segment s, whose first global pattern index is first): the
// pattern's tier, the classes of its anchor part, the gram's offset in
// them and the pattern's reference without the offset (refOf).
func walkRun(s *Segment, run patternRun, first uint32, buf *[]byteClass, fn func(ti int, cl []byteClass, j uint16, ref uint64)) {
	c := &s.c
	for pi := run.lo; pi < run.hi; pi++ {
		p := &s.pats[pi]
		if !s.filtered[pi] {
			continue
		}
		offs := s.offs[p.anchorLit : p.anchorLit+p.anchorLen]
		// The classes as far as the last gram's check window reaches.
		*buf = c.partClassesTo(c.parts[p.part0+p.anchorPart], *buf, int(slices.Max(offs))+windowLen)
		ref := refOf(first+uint32(pi), p)
		for _, j := range offs {
			fn(int(p.tier), *buf, j, ref)
		}
	}
}

// variantCount is the number of values of the q-gram at cl, as
// gramVariants would list them, or 0 when that is more than limit.
func variantCount(cl []byteClass, q, limit int) int {
	n := 1
	for i := range q {
		if n *= cl[i].n; n > limit {
			return 0
		}
	}
	return n
}

// probe scans absolute positions from `from` (aligned to the stride) while
// a whole 4-gram is inside buf (chunks overlap by more than that; at the
// end of the file up to the last byte), calling d.hit for every exact gram
// match whose window holds, in position order. It returns the next
// position to probe. d.batch is scratch space, empty on entry and on
// return.
func (t *gramTier) probe(buf []byte, base, from int64, eof bool, d *detection) int64 {
	b := &d.batch
	n := int64(len(buf))
	lim := n - gramLen + 1 // the first position not probed
	if eof {
		lim = n // a gram may reach past the end of a part that ends the file
	}
	i := int(from - base)
	if int64(i) >= lim {
		return from
	}
	f := t.filterFor(d.tmask)
	if f.direct != nil {
		return t.probeDirect(buf, base, i, lim, f.direct, d)
	}
	s := t.stride
	for i+kernelReach(s) <= len(buf) {
		var n int
		i, n = active.probe(buf, i, len(buf), f.bloom, f.shift, t.gmask, s, b.pos[b.n:])
		k := b.n
		for _, j := range b.pos[b.n : b.n+n] {
			if t.long != nil && !t.long.pass(buf, int(j)) {
				continue
			}
			b.pos[k] = j
			b.key[k] = binary.LittleEndian.Uint32(buf[j:]) & t.gmask * gramMul
			k++
		}
		if b.n = k; b.n > len(b.pos)-kernelLanes {
			t.lookupBatch(buf, base, d)
		}
	}
	for ; int64(i) < lim; i += s {
		var g uint32
		if i+4 <= len(buf) {
			g = binary.LittleEndian.Uint32(buf[i:]) & t.gmask
		} else { // the end of the file, padded with zeros (an "any" byte's variants include 0)
			for k, b := range buf[i:] {
				g |= uint32(b) << (8 * k)
			}
			g &= t.gmask
		}
		if m := bloomBits(g); f.bloom[g*gramMul>>f.shift]&m == m && (t.long == nil || t.long.pass(buf, i)) {
			if b.add(i, g) {
				t.lookupBatch(buf, base, d)
			}
		}
	}
	t.lookupBatch(buf, base, d)
	return base + int64(i)
}

// probeDirect is probe for a 3-gram tier at stride 1 with the direct
// kernel over bitmap direct, from buf[i] to lim. The kernel appends passing positions to the
// lookup batch (lookupBatch) itself.
func (t *gramTier) probeDirect(buf []byte, base int64, i int, lim int64, direct []uint32, d *detection) int64 {
	b := &d.batch
	for i+directReach <= len(buf) {
		var n int
		i, n = active.direct(buf, i, len(buf), direct, b.pos[b.n:])
		for k := b.n; k < b.n+n; k++ {
			b.key[k] = binary.LittleEndian.Uint32(buf[b.pos[k]:]) & t.gmask * gramMul
		}
		if b.n += n; b.n > len(b.pos)-directLanes {
			t.lookupBatch(buf, base, d)
		}
	}
	for ; int64(i) < lim; i++ {
		var g uint32
		if i+4 <= len(buf) {
			g = binary.LittleEndian.Uint32(buf[i:]) & t.gmask
		} else { // the end of the file, padded with zeros (as in probe)
			for k, b := range buf[i:] {
				g |= uint32(b) << (8 * k)
			}
			g &= t.gmask
		}
		if directHas(direct, g) && b.add(i, g) {
			t.lookupBatch(buf, base, d)
		}
	}
	t.lookupBatch(buf, base, d)
	return base + int64(i)
}

// passBatch holds positions whose gram passed a filter, with their keys
// (gram*gramMul), until lookupBatch looks them up.
type passBatch struct {
	n      int
	pos    [batchLen]int32
	key    [batchLen]uint32
	lo, hi [batchLen]uint32 // their directory bucket
	// matches: entries whose key is a position's, and the position
	nm   int
	me   [batchLen]uint32
	mpos [batchLen]int32
}

// batchLen is the positions (and matches) per lookup batch, 6 KB of the
// pooled detection; 64 and 1024 measured the same.
const batchLen = 256

// add appends position i with gram g and says whether the batch is full.
func (b *passBatch) add(i int, g uint32) bool {
	b.pos[b.n], b.key[b.n] = int32(i), g*gramMul
	b.n++
	return b.n == len(b.pos)
}

// lookupBatch reports, in position order, every reference of the grams of
// b at buf[pos] (file offset base+pos) whose check window, if any, holds;
// it empties b. One pass at a time, a lookup is a chain of dependent cache
// misses (directory, keys, window or reference: in DRAM for the main
// tier's 20 MB of tables); in stages over the batch (directory, keys,
// then report), the misses of a stage are independent and overlap.
// BenchmarkDirectAB at 300k: 86 -> 68-71 ms per 64 MiB for both tiers in
// two stages; the third (report) made the main tier alone 2.7-3.4 ->
// 3.1-3.7 GB/s.
func (t *gramTier) lookupBatch(buf []byte, base int64, d *detection) {
	b := &d.batch
	n := b.n
	b.n = 0
	for k := range n {
		d := b.key[k] >> t.dirShift
		b.lo[k], b.hi[k] = t.dir[d], t.dir[d+1]
	}
	for k := range n {
		i, key := b.pos[k], b.key[k]
		for e := b.lo[k]; e < b.hi[k]; e++ {
			if t.keys[e] != key {
				continue
			}
			if b.nm == len(b.me) {
				t.report(buf, base, d)
			}
			b.me[b.nm], b.mpos[b.nm] = e, i
			b.nm++
		}
	}
	t.report(buf, base, d)
}

// report calls d.hit for the matches of the batch whose window holds, and
// empties them.
func (t *gramTier) report(buf []byte, base int64, d *detection) {
	b := &d.batch
	for k := range b.nm {
		e, i := b.me[k], int(b.mpos[k])
		// Windows reaching past buf are not checked: the first bytes of
		// the file, the last ones (zero-padded grams).
		w := t.checks[e]
		if s := i - int(w.val>>56); s >= 0 && s+8 <= len(buf) &&
			binary.LittleEndian.Uint64(buf[s:])&w.mask != w.val&(1<<56-1) ||
			s >= 0 && s+windowLen <= len(buf) && binary.LittleEndian.Uint64(buf[s+7:])&w.mask2 != w.val2 {
			continue
		}
		d.hit(t.refs[e], base+int64(i))
	}
	b.nm = 0
}

// shortGroup holds 2- and 3-byte anchors, probed at every position by
// their first two bytes against an 8 KiB bitmap that stays in L1 cache.
// Generated and real signatures rarely need it (a part needs two fixed
// bytes, and a usable 4-gram is found in almost all of them).
type shortGroup struct {
	pre   [1024]uint64
	dir   []uint32 // 65537: short refs by 2-gram
	short []uint64 // pattern index | third anchor byte<<32 | has third byte<<40
}

// newShortGroup takes (2-gram<<48 | shortRef) pairs.
func newShortGroup(short []uint64) *shortGroup {
	g := &shortGroup{}
	slices.Sort(short)
	g.dir = make([]uint32, 65537)
	g.short = make([]uint64, len(short))
	for i, pr := range short {
		k := uint32(pr >> 48)
		g.short[i] = pr & (1<<48 - 1)
		g.pre[k>>6] |= 1 << (k & 63)
		g.dir[k+1]++
	}
	for i := 1; i < len(g.dir); i++ {
		g.dir[i] += g.dir[i-1]
	}
	return g
}

// probe checks positions from `from` while their 2-grams are inside buf
// and a 4-gram would be too (so that the next chunk continues seamlessly);
// at eof up to the last 2-gram.
func (g *shortGroup) probe(buf []byte, base, from int64, eof bool, d *detection) int64 {
	n := int64(len(buf))
	end := n - gramLen
	if eof {
		end = n - 2
	}
	i := from - base
	for ; i <= end; i++ {
		k := uint32(buf[i]) | uint32(buf[i+1])<<8
		if g.pre[k>>6]&(1<<(k&63)) == 0 {
			continue
		}
		for _, r := range g.short[g.dir[k]:g.dir[k+1]] {
			// A 3-byte anchor checks its third byte here: 256 times
			// fewer verifications than the 2-gram alone.
			if r>>40&1 == 0 || (i+2 < n && buf[i+2] == byte(r>>32)) {
				d.hitShort(uint32(r), base+i)
			}
		}
	}
	return base + i
}
