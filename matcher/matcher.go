package matcher

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/sigtool/sigtool/filetype"
)

// defaultChunk is how much Detect reads at a time.
const defaultChunk = 1 << 20

// keepBytes of each chunk are carried into the next so that grams across
// the border are probed, and short look-backs stay in memory.
const keepBytes = 4096

// Matcher is an immutable compiled signature database: Segments and one
// filter over all of them. It is safe for concurrent use by any number of
// goroutines.
type Matcher struct {
	segs []*Segment
	// first is the global index of each segment's first pattern, and the
	// total at the end: filter references hold global indexes.
	first      []uint32
	tiers      []*gramTier // by decreasing stride
	short      *shortGroup
	needDigest [3]bool
	sizes      sizeFilter
	needSect   bool
	needExe    bool
	runReach   int // the longest run pattern (run.go); 0: none
	stats      Stats
	chunk      int
	pool       sync.Pool
}

// Stats returns counts of what the matcher holds.
func (m *Matcher) Stats() Stats { return m.stats.clone() }

// detection is the state of one Detect call: the file, and a scan of each
// segment that had something to verify.
type detection struct {
	m     *Matcher
	v     view
	exe   *execInfo
	info  filetype.Info
	ts    targets
	tmask uint32 // ts.mask(): targets this content is (bit t: target t applies)
	epoch uint32
	segs  []*scan // by segment; in this call when its epoch is d.epoch
	used  []int   // segments in this call, in the order first used
	buf   []byte
	next  []int64
	batch passBatch // the probes' scratch space (6 KB: not on the heap per probe)
	// done has a bit per global pattern whose match can no longer change
	// the verdict (an ndb signature found, a subsignature counted to its
	// cap): its candidates are dropped before any per-signature work.
	done     []uint64
	doneUsed []uint32 // words of done set in this call
	pcre     pcreContent
}

// scan is the verification state of one segment in one Detect call. It
// holds no maps: candidates on real files are many, and each costs a few
// probes of these tables (memo.go).
type scan struct {
	m     *Segment
	d     *detection
	v     *view
	exe   *execInfo
	first uint32 // global index of the segment's first pattern
	epoch uint32
	cur   uint32 // pattern being verified
	// lo0 and hi0 bound where the pattern being verified may start
	// (startRange of its offset).
	lo0, hi0 int64
	memo     stampTable // this verification's (direction, part, position) results
	// lspans and rspans, by part: what this verification's walks to
	// the left and right found nothing in (noneSpan).
	lspans, rspans []noneSpan
	mono           stampTable // this call's monotone gap facts: index in monos
	monos          []monoState
	found          []uint32 // ndb signatures matched
	// Logical signatures: lsEpoch[li] is the call in which lsig li's
	// counts (lsCount[lsigs[li].slot:][:nsubs]) were last zeroed; lsUsed
	// lists those counted in this call.
	lsEpoch []uint32
	lsCount []uint32
	lsUsed  []uint32
}

func (m *Matcher) getDetection(r io.ReaderAt, size int64, info filetype.Info) *detection {
	d, _ := m.pool.Get().(*detection)
	if d == nil {
		d = &detection{m: m, segs: make([]*scan, len(m.segs)), next: make([]int64, len(m.tiers)+1),
			done: make([]uint64, (m.first[len(m.segs)]+63)/64)}
	}
	d.v = view{r: r, size: size, win: d.v.win[:0]}
	d.exe = nil
	d.info = info
	d.ts = targetSet(info)
	d.tmask = d.ts.mask()
	if d.epoch++; d.epoch == 0 {
		// Wrapped: stamps of 2^32 calls ago could look current.
		clear(d.segs)
		d.epoch = 1
	}
	d.used = d.used[:0]
	for _, w := range d.doneUsed {
		d.done[w] = 0
	}
	d.doneUsed = d.doneUsed[:0]
	clear(d.next)
	return d
}

func (m *Matcher) putDetection(d *detection) {
	d.v.r, d.v.buf = nil, nil // do not pin the caller's content in the pool
	d.pcre.reset()            // nor a large file's copies
	for _, i := range d.used {
		d.segs[i].memo.shrink()
		d.segs[i].mono.shrink()
	}
	m.pool.Put(d)
}

// seg returns the scan of segment i, ready for this Detect call.
func (d *detection) seg(i int) *scan {
	sc := d.segs[i]
	if sc == nil {
		s := d.m.segs[i]
		sc = &scan{m: s, d: d, lsEpoch: make([]uint32, len(s.lsigs)), lsCount: make([]uint32, s.nslots)}
		d.segs[i] = sc
	}
	if sc.epoch != d.epoch {
		sc.epoch, sc.v, sc.exe, sc.first = d.epoch, &d.v, d.exe, d.m.first[i]
		sc.mono.reset()
		sc.monos = sc.monos[:0]
		sc.lsUsed = sc.lsUsed[:0]
		sc.found = sc.found[:0]
		d.used = append(d.used, i)
	}
	return sc
}

// isDone and setDone read and set global pattern g's bit in done.
func (d *detection) isDone(g uint32) bool { return d.done[g>>6]>>(g&63)&1 != 0 }

func (d *detection) setDone(g uint32) {
	w := &d.done[g>>6]
	if *w == 0 {
		d.doneUsed = append(d.doneUsed, g>>6)
	}
	*w |= 1 << (g & 63)
}

// hit is a filter tier's candidate: the pattern and gram of ref (filter.go)
// at file offset pos. Everything that can reject it without the pattern's
// code comes first: a pattern already decided, a target this file is not,
// an absolute or end-of-file offset the position cannot satisfy.
func (d *detection) hit(ref uint64, pos int64) {
	g := refPattern(ref)
	if d.isDone(g) || d.tmask>>refTarget(ref)&1 == 0 {
		return
	}
	m := d.m
	i := m.segOf(g)
	s, pi := m.segs[i], g-m.first[i]
	start := pos - int64(refGram(ref)) + gramPad
	if ref&refGated != 0 && !s.gateOK(&s.pats[pi], start, d.v.size) {
		return
	}
	d.seg(i).candidate(pi, start)
}

// hitShort is the short group's candidate: global pattern g with its
// 2-3 byte anchor at pos.
func (d *detection) hitShort(g uint32, pos int64) {
	if d.isDone(g) {
		return
	}
	i := d.m.segOf(g)
	sc := d.seg(i)
	pi := g - d.m.first[i]
	sc.candidate(pi, pos-int64(sc.m.pats[pi].anchorOff))
}

// Result is what Match found in one piece of content.
type Result struct {
	// Names are the signatures that matched, sorted, each once; none when
	// the content is on an allow list.
	Names []string
	// Rescan lists, sorted and each once, the types that matching logical
	// signatures with a HandlerType ask for: ClamAV then scans the same
	// content again, one level deeper, as that type (a PDF parser for
	// content that only a signature recognised as PDF, say), and reports
	// such a signature only from that rescan.
	Rescan []filetype.Type
}

// Detect returns the names of the signatures that match the size bytes of
// r, sorted, each once; nil when none does or when the file is on the allow
// list. The content is typed by its magic bytes (filetype.Of) and matched
// as ClamAV's first, raw scan of a file of that type; Match takes what a
// scan engine knows about the content instead. It reads r once, in order,
// in chunks; verification may read back (or ahead) through r when a
// pattern spans chunk borders.
func (m *Matcher) Detect(ctx context.Context, r io.ReaderAt, size int64) ([]string, error) {
	if size < 0 {
		return nil, fmt.Errorf("matcher: negative size %d", size)
	}
	var info filetype.Info
	if size > 0 {
		t, err := filetype.Of(r, size)
		if err != nil {
			return nil, fmt.Errorf("matcher: %w: %w", ErrShortRead, err)
		}
		info.Type = t
	}
	res, err := m.Match(ctx, r, size, info)
	return res.Names, err
}

// Match matches the size bytes of r, described by info: info.Type selects
// the signatures of its target beside the generic ones, as ClamAV's scan
// of a layer of that type does (see targetSet), the executable layout comes
// from a header parse for executable types, and logical signatures check
// Container, Intermediates and HandlerType against info.
func (m *Matcher) Match(ctx context.Context, r io.ReaderAt, size int64, info filetype.Info) (Result, error) {
	if size < 0 {
		return Result{}, fmt.Errorf("matcher: negative size %d", size)
	}
	d := m.getDetection(r, size, info)
	res, err := m.detect(ctx, d, r, size)
	// Not deferred: a Match that panics (a fault reading a mapped file
	// that shrank, recovered by the caller) leaves d half-way; it is
	// dropped, not pooled.
	m.putDetection(d)
	return res, err
}

// detect is Match with its pooled state.
func (m *Matcher) detect(ctx context.Context, d *detection, r io.ReaderAt, size int64) (Result, error) {
	if m.needExe && size > 0 {
		d.exe = parseExec(r, size, d.info.Type)
	}
	// A digest is only worth computing when some signature of its type has
	// this file's size (or any size): with millions of sized hashes most
	// files match none, and hashing would cost more than matching.
	// Normalised content is matched by body and logical signatures only.
	var need [3]bool
	for t := range 3 {
		if d.info.Normalized || !m.needDigest[t] || !m.sizes.maybe(t, size) {
			continue
		}
		for _, s := range m.segs {
			if need[t] = s.hash[t].hasSize(size) || s.allow[t].hasSize(size); need[t] {
				break
			}
		}
	}
	dig := newDigester(need)
	if err := d.stream(ctx, dig); err != nil {
		return Result{}, err
	}
	for i := range m.segs {
		d.directs(i)
	}
	if d.v.err != nil {
		return Result{}, d.v.err
	}
	for i, s := range m.segs {
		if sc := d.segs[i]; (sc != nil && sc.epoch == d.epoch) || len(s.pcreAtZero) > 0 {
			if err := d.seg(i).runPCREs(); err != nil {
				return Result{}, err
			}
		}
	}

	var res Result
	out := &res.Names
	if dig.any() {
		sums := dig.sums()
		if m.lookup(sums, size, func(s *Segment) *[3]hashSet { return &s.allow }, nil) {
			return Result{}, nil
		}
		m.lookup(sums, size, func(s *Segment) *[3]hashSet { return &s.hash }, out)
	}
	if err := d.sectionHashes(out); err != nil {
		return Result{}, err
	}
	for i, s := range m.segs {
		if len(s.always) > 0 {
			d.seg(i)
		}
	}
	for _, i := range d.used {
		d.segs[i].verdicts(&res)
	}
	if len(res.Names) > 0 {
		slices.Sort(res.Names)
		res.Names = slices.Compact(res.Names)
	} else {
		res.Names = nil
	}
	if len(res.Rescan) > 0 {
		slices.Sort(res.Rescan)
		res.Rescan = slices.Compact(res.Rescan)
	}
	return res, nil
}

// lookup looks sums up in the hash sets set picks of every segment,
// appending the names found to out (when out is not nil), and reports
// whether any was found.
func (m *Matcher) lookup(sums [3][]byte, size int64, set func(*Segment) *[3]hashSet, out *[]string) bool {
	found := false
	for _, s := range m.segs {
		for t := range 3 {
			if sums[t] == nil {
				continue
			}
			set(s)[t].lookup(sums[t], size, func(n uint32) {
				found = true
				if out != nil {
					*out = append(*out, string(s.nameBytes(n)))
				}
			})
		}
	}
	return found
}

// verdicts adds the body and logical signatures that matched in the
// segment to res.
func (sc *scan) verdicts(res *Result) {
	s := sc.m
	for _, si := range sc.found {
		res.Names = append(res.Names, string(s.nameBytes(s.sigs[si])))
	}
	for _, li := range sc.lsUsed {
		if l := &s.lsigs[li]; sc.tdbOK(l) {
			if ok, _, _ := l.expr.eval(sc.lsCount[l.slot : l.slot+uint32(l.nsubs)]); ok {
				sc.lsigMatched(l, res)
			}
		}
	}
	for _, li := range s.always {
		if sc.lsEpoch[li] == sc.epoch {
			continue
		}
		// No subsignature of l matched, and its expression holds then
		// (always).
		if l := &s.lsigs[li]; sc.tdbOK(l) {
			sc.lsigMatched(l, res)
		}
	}
}

// lsigMatched records a logical signature whose expression and target
// block hold. One with a HandlerType is a rescan request on a layer's raw
// content and a detection everywhere else, as in ClamAV, which compares
// the content's hash with that of the content it last rescanned (and has
// none to compare on normalised content or its second, type-specific
// passes over mail text and binary data).
func (sc *scan) lsigMatched(l *lsigInfo, res *Result) {
	info := &sc.d.info
	if l.handler == filetype.Any || info.Normalized || info.Rescan || sc.d.ts.second(l.target) {
		res.Names = append(res.Names, string(sc.m.nameBytes(l.name)))
	}
	if l.handler != filetype.Any && !info.Normalized && !info.Rescan {
		res.Rescan = append(res.Rescan, l.handler)
	}
}

// inMemory is a reader whose whole content is in memory (unpack.Bytes):
// Detect probes its bytes where they are instead of copying them chunk by
// chunk, and verification never reads through it.
type inMemory interface {
	Bytes() []byte
}

// stream reads the file once, feeding the digests and probing every filter
// group over each chunk. Content in memory is probed in place.
func (d *detection) stream(ctx context.Context, dig *digester) error {
	m := d.m
	size := d.v.size
	chunk := m.chunk
	var mem []byte
	if im, ok := d.v.r.(inMemory); ok && int64(len(im.Bytes())) >= size {
		mem = im.Bytes()[:size]
		d.v.buf, d.v.off = mem, 0
	}
	keep := min(keepBytes, max(chunk, gramLen, m.runReach)) // a run is decided in one buffer (run.go)
	if need := keep + int(min(int64(chunk), size)); mem == nil && cap(d.buf) < need {
		d.buf = make([]byte, need) // small files: a small buffer
	}
	buf := d.buf[:cap(d.buf)]
	var base int64 // file offset of buf[0]
	n := 0         // valid bytes in buf
	var slowNext int64
	slowRange := func(to int64) {
		for i, s := range m.segs {
			for k := range s.slow {
				d.seg(i).slowRange(k, slowNext, to)
			}
		}
		slowNext = to
	}
	var runNext int64
	runs := func(buf []byte, base int64, eof bool) {
		to := base + int64(len(buf))
		if !eof {
			to -= int64(m.runReach - 1)
		}
		if to <= runNext {
			return
		}
		for i, s := range m.segs {
			if len(s.runs) > 0 && d.runsWanted(s, m.first[i]) {
				d.seg(i).runRange(buf, base, runNext, to)
			}
		}
		runNext = to
	}
	for read := int64(0); read < size; {
		if err := ctx.Err(); err != nil {
			return err
		}
		want := int(min(int64(chunk), size-read))
		if mem != nil {
			// The window the copy would have made: positions in buf fit
			// in 32 bits whatever the file's size.
			base = max(0, read-int64(keep))
			buf = mem[base : read+int64(want)]
			n = len(buf)
		} else {
			if n > keep {
				copy(buf, buf[n-keep:n])
				base += int64(n - keep)
				n = keep
			}
			got, err := d.v.r.ReadAt(buf[n:n+want], read)
			if got < want {
				if err == nil || errors.Is(err, io.EOF) {
					err = ErrShortRead
				}
				return fmt.Errorf("matcher: read %d bytes at offset %d: %w", want, read, err)
			}
			n += want
			d.v.buf, d.v.off = buf[:n], base
		}
		dig.Write(buf[n-want : n])
		read += int64(want)
		for ti, t := range m.tiers {
			d.next[ti] = t.probe(buf[:n], base, d.next[ti], read == size, d)
		}
		if m.short != nil {
			d.next[len(m.tiers)] = m.short.probe(buf[:n], base, d.next[len(m.tiers)], read == size, d)
		}
		if m.runReach > 0 {
			runs(buf[:n], base, read == size)
		}
		slowRange(read)
		if d.v.err != nil {
			return d.v.err
		}
	}
	// A pattern of zero-width parts only, such as "(B)*(W)", can match at
	// the very end (or in an empty file).
	slowRange(size + 1)
	return d.v.err
}

// candidate verifies pattern pi with its anchor part starting at file
// offset s.
func (sc *scan) candidate(pi uint32, s int64) {
	p := &sc.m.pats[pi]
	if sc.wanted(p) {
		sc.verify(pi, p.anchorPart, s)
	}
}

// verify records the matches of pattern pi with part j starting at s:
// one, or for a split pattern whose count matters, one per position of
// its last part not counted yet (countEnds).
func (sc *scan) verify(pi, j uint32, s int64) {
	p := &sc.m.pats[pi]
	if p.cap > 1 && p.nparts > 1 {
		sc.countEnds(pi, j, s)
	} else if sc.matchAt(pi, j, s) {
		sc.record(pi)
	}
}

// wanted says whether a match of p could still change the verdict.
func (sc *scan) wanted(p *pattern) bool {
	if !sc.targetOK(p.target) {
		return false
	}
	if !p.lsig {
		return !slices.Contains(sc.found, p.owner)
	}
	if sc.m.deadLsig[p.owner] {
		return false
	}
	l := &sc.m.lsigs[p.owner]
	return sc.lsEpoch[p.owner] != sc.epoch || sc.lsCount[l.slot+uint32(p.sub)] < p.cap
}

// record counts a match of pattern pi, and marks the pattern done when
// no further match can change the verdict.
func (sc *scan) record(pi uint32) {
	p := &sc.m.pats[pi]
	if !p.lsig {
		sc.found = append(sc.found, p.owner)
		sc.d.setDone(sc.first + pi)
		return
	}
	c := &sc.lsigCounts(p.owner)[p.sub]
	if *c++; *c >= p.cap {
		sc.d.setDone(sc.first + pi)
	}
}

// lsigCounts returns the subsignature counts of logical signature li in
// this call, zeroed on first use.
func (sc *scan) lsigCounts(li uint32) []uint32 {
	l := &sc.m.lsigs[li]
	counts := sc.lsCount[l.slot : l.slot+uint32(l.nsubs)]
	if sc.lsEpoch[li] != sc.epoch {
		sc.lsEpoch[li] = sc.epoch
		clear(counts)
		sc.lsUsed = append(sc.lsUsed, li)
	}
	return counts
}

// direct checks a pattern at the few positions its offset allows.
func (sc *scan) direct(dp *directPat) {
	if !sc.targetOK(dp.target) {
		return
	}
	lo, hi, ok := sc.startRange(dp.off)
	if !ok {
		return
	}
	var p *pattern
	for s := lo; s <= hi; s++ {
		if b := sc.v.slice(s, windowLen); b != nil && !dp.win.holds(b) {
			continue
		}
		if p == nil {
			p = &sc.m.pats[dp.pi]
		}
		if !sc.wanted(p) {
			return
		}
		sc.verify(dp.pi, 0, s)
	}
}

// slowRange tries an unanchored pattern (the k-th of the segment's slow
// ones) at every allowed start in [from, to) that its first byte allows.
func (sc *scan) slowRange(k int, from, to int64) {
	pi := sc.m.slow[k]
	p := &sc.m.pats[pi]
	lo, hi, ok := sc.startRange(p.off)
	if !ok || !sc.wanted(p) {
		return
	}
	first := &sc.m.slowFirst[k]
	for s := max(from, lo); s < to && s <= hi; s++ {
		if b, ok := sc.v.at(s); ok && first[b>>6]>>(b&63)&1 == 0 {
			continue
		}
		if sc.verify(pi, 0, s); !sc.wanted(p) {
			return
		}
	}
}

// sectionHashes hashes the PE sections whose size some section signature
// has, with only the digest types those signatures use, and appends the
// names found.
func (d *detection) sectionHashes(out *[]string) error {
	m := d.m
	if d.exe == nil || !d.exe.ok || d.info.Type != filetype.MSEXE || d.info.Normalized || !m.needSect {
		return nil
	}
	for _, sec := range d.exe.secs {
		if sec.size <= 0 || sec.off < 0 || sec.off+sec.size > d.v.size {
			continue
		}
		var need [3]bool
		for _, s := range m.segs {
			for t := range 3 {
				need[t] = need[t] || s.sect[t].hasSize(sec.size)
			}
		}
		dg := newDigester(need)
		if !dg.any() {
			continue
		}
		if _, err := io.Copy(dg, io.NewSectionReader(d.v.r, sec.off, sec.size)); err != nil {
			return fmt.Errorf("matcher: read PE section at %d: %w", sec.off, err)
		}
		m.lookup(dg.sums(), sec.size, func(s *Segment) *[3]hashSet { return &s.sect }, out)
	}
	return nil
}
