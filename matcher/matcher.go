package matcher

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
)

// defaultChunk is how much Detect reads at a time.
const defaultChunk = 1 << 20

// keepBytes of each chunk are carried into the next so that grams across
// the border are probed, and short look-backs stay in memory.
const keepBytes = 4096

// Matcher is an immutable compiled signature database. It is safe for
// concurrent use by any number of goroutines.
type Matcher struct {
	c          code
	pats       []pattern
	sigs       []uint32
	lsigs      []lsigInfo
	deadLsig   []bool
	names      names
	hnames     names       // names of hash signatures (hashNameBit)
	tiers      []*gramTier // by decreasing stride
	short      *shortGroup
	direct     []uint32
	slow       []uint32
	always     []uint32 // logical signatures true with no subsignature match
	hash       [3]hashSet
	sect       [3]hashSet
	allow      [3]hashSet
	needDigest [3]bool
	needExe    bool
	stats      Stats
	chunk      int
	pool       sync.Pool
}

// Stats returns counts of what the matcher holds.
func (m *Matcher) Stats() Stats { return m.stats.clone() }

// scan is the state of one Detect call.
type scan struct {
	m      *Matcher
	v      view
	exe    *execInfo
	cur    uint32 // pattern being verified
	gen    uint32 // verification number, for memo
	memo   map[uint64]uint64
	mono   map[uint64]*monoState
	found  []uint32            // ndb signatures matched
	counts map[uint32][]uint32 // logical signature -> subsignature match counts
	buf    []byte
	next   []int64
	hitFn  func(ref uint64, pos int64)
	hitSh  func(ref uint32, pos int64)
}

func (m *Matcher) getScan(r io.ReaderAt, size int64) *scan {
	sc, _ := m.pool.Get().(*scan)
	if sc == nil {
		sc = &scan{m: m, counts: map[uint32][]uint32{}}
		sc.hitFn = func(ref uint64, pos int64) { sc.candidate(uint32(ref>>16), pos-int64(ref&0xffff)+gramPad) }
		sc.hitSh = func(ref uint32, pos int64) { sc.candidate(ref, pos-int64(m.pats[ref].anchorOff)) }
		sc.next = make([]int64, len(m.tiers)+1)
	}
	sc.v = view{r: r, size: size, win: sc.v.win[:0]}
	sc.exe = nil
	clear(sc.memo)
	clear(sc.mono)
	clear(sc.counts)
	clear(sc.next)
	sc.found = sc.found[:0]
	return sc
}

func (m *Matcher) putScan(sc *scan) {
	sc.v.r = nil
	if len(sc.memo) > 1<<16 {
		sc.memo = nil // do not pin a huge map from one odd file
	}
	m.pool.Put(sc)
}

// Detect returns the names of the signatures that match the size bytes of
// r, sorted, each once; nil when none does or when the file is on the allow
// list. It reads r once, in order, in chunks; verification may read back
// (or ahead) through r when a pattern spans chunk borders.
func (m *Matcher) Detect(ctx context.Context, r io.ReaderAt, size int64) ([]string, error) {
	if size < 0 {
		return nil, fmt.Errorf("matcher: negative size %d", size)
	}
	sc := m.getScan(r, size)
	defer m.putScan(sc)

	if m.needExe && size > 0 {
		head := make([]byte, min(size, 64))
		if _, err := r.ReadAt(head, 0); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("matcher: read header: %w", err)
		}
		sc.exe = parseExec(r, size, head)
	}
	// A digest is only worth computing when some signature of its type has
	// this file's size (or any size): with millions of sized hashes most
	// files match none, and hashing would cost more than matching.
	var need [3]bool
	for t := range 3 {
		need[t] = m.needDigest[t] && (m.hash[t].hasSize(size) || m.allow[t].hasSize(size))
	}
	dig := newDigester(need)
	if err := sc.stream(ctx, dig); err != nil {
		return nil, err
	}
	for _, pi := range m.direct {
		sc.direct(pi)
	}
	if sc.v.err != nil {
		return nil, sc.v.err
	}

	var hits []uint32
	if dig.any() {
		sums := dig.sums()
		allowed := false
		for t := range 3 {
			if sums[t] != nil {
				m.allow[t].lookup(sums[t], size, func(uint32) { allowed = true })
			}
		}
		if allowed {
			return nil, nil
		}
		for t := range 3 {
			if sums[t] != nil {
				m.hash[t].lookup(sums[t], size, func(n uint32) { hits = append(hits, n) })
			}
		}
	}
	sh, err := sc.sectionHashes()
	if err != nil {
		return nil, err
	}
	hits = append(hits, sh...)
	for _, s := range sc.found {
		hits = append(hits, m.sigs[s])
	}
	for li, counts := range sc.counts {
		if l := &m.lsigs[li]; sc.tdbOK(l) {
			if ok, _, _ := l.expr.eval(counts); ok {
				hits = append(hits, l.name)
			}
		}
	}
	for _, li := range m.always {
		if _, seen := sc.counts[li]; seen {
			continue
		}
		l := &m.lsigs[li]
		if ok, _, _ := l.expr.eval(make([]uint32, l.nsubs)); ok && sc.tdbOK(l) {
			hits = append(hits, l.name)
		}
	}
	if len(hits) == 0 {
		return nil, nil
	}
	out := make([]string, 0, len(hits))
	for _, n := range hits {
		out = append(out, string(m.nameBytes(n)))
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// stream reads the file once, feeding the digests and probing every filter
// group over each chunk.
func (sc *scan) stream(ctx context.Context, dig *digester) error {
	m := sc.m
	size := sc.v.size
	chunk := m.chunk
	if chunk <= 0 {
		chunk = defaultChunk
	}
	keep := min(keepBytes, max(chunk, gramLen))
	if need := keep + int(min(int64(chunk), size)); cap(sc.buf) < need {
		sc.buf = make([]byte, need) // small files: a small buffer
	}
	buf := sc.buf[:cap(sc.buf)]
	var base int64 // file offset of buf[0]
	n := 0         // valid bytes in buf
	var slowNext int64
	for read := int64(0); read < size; {
		if err := ctx.Err(); err != nil {
			return err
		}
		if n > keep {
			copy(buf, buf[n-keep:n])
			base += int64(n - keep)
			n = keep
		}
		want := int(min(int64(chunk), size-read))
		got, err := sc.v.r.ReadAt(buf[n:n+want], read)
		if got < want {
			if err == nil || errors.Is(err, io.EOF) {
				err = ErrShortRead
			}
			return fmt.Errorf("matcher: read %d bytes at offset %d: %w", want, read, err)
		}
		dig.Write(buf[n : n+got])
		n += got
		read += int64(got)
		sc.v.buf, sc.v.off = buf[:n], base
		for ti, t := range m.tiers {
			sc.next[ti] = t.probe(buf[:n], base, sc.next[ti], read == size, sc.hitFn)
		}
		if m.short != nil {
			sc.next[len(m.tiers)] = m.short.probe(buf[:n], base, sc.next[len(m.tiers)], read == size, sc.hitSh)
		}
		if len(m.slow) > 0 {
			for _, pi := range m.slow {
				sc.slowRange(pi, slowNext, read)
			}
			slowNext = read
		}
		if sc.v.err != nil {
			return sc.v.err
		}
	}
	// A pattern of zero-width parts only, such as "(B)*(W)", can match at
	// the very end (or in an empty file).
	for _, pi := range m.slow {
		sc.slowRange(pi, slowNext, size+1)
	}
	return sc.v.err
}

// candidate verifies pattern pi with its anchor part starting at file
// offset s.
func (sc *scan) candidate(pi uint32, s int64) {
	p := &sc.m.pats[pi]
	if !sc.wanted(p) {
		return
	}
	if sc.matchAt(pi, p.anchorPart, s) {
		sc.record(p)
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
	c := sc.counts[p.owner]
	return c == nil || c[p.sub] < sc.m.lsigs[p.owner].cap
}

func (sc *scan) record(p *pattern) {
	if !p.lsig {
		sc.found = append(sc.found, p.owner)
		return
	}
	c := sc.counts[p.owner]
	if c == nil {
		c = make([]uint32, sc.m.lsigs[p.owner].nsubs)
		sc.counts[p.owner] = c
	}
	c[p.sub]++
}

// direct checks a pattern at the few positions its offset allows.
func (sc *scan) direct(pi uint32) {
	p := &sc.m.pats[pi]
	lo, hi, ok := sc.startRange(p.off)
	if !ok {
		return
	}
	for s := lo; s <= hi && sc.wanted(p); s++ {
		if sc.matchAt(pi, 0, s) {
			sc.record(p)
		}
	}
}

// slowRange tries an unanchored pattern at every allowed start in [from, to).
func (sc *scan) slowRange(pi uint32, from, to int64) {
	p := &sc.m.pats[pi]
	lo, hi, ok := sc.startRange(p.off)
	if !ok {
		return
	}
	pd := &sc.m.c.parts[p.part0]
	for s := max(from, lo); s < to && s <= hi && sc.wanted(p); s++ {
		if sc.firstByteOK(pd, s) && sc.matchAt(pi, 0, s) {
			sc.record(p)
		}
	}
}

// sectionHashes hashes the PE sections whose size some section signature
// has, with only the digest types those signatures use.
func (sc *scan) sectionHashes() ([]uint32, error) {
	m := sc.m
	if sc.exe == nil || sc.exe.typ != ftPE || (m.sect[0].len()+m.sect[1].len()+m.sect[2].len()) == 0 {
		return nil, nil
	}
	var hits []uint32
	for _, s := range sc.exe.secs {
		if s.size <= 0 || s.off < 0 || s.off+s.size > sc.v.size {
			continue
		}
		var need [3]bool
		for t := range 3 {
			need[t] = m.sect[t].len() > 0 && m.sect[t].hasSize(s.size)
		}
		d := newDigester(need)
		if !d.any() {
			continue
		}
		if _, err := io.Copy(d, io.NewSectionReader(sc.v.r, s.off, s.size)); err != nil {
			return nil, fmt.Errorf("matcher: read PE section at %d: %w", s.off, err)
		}
		sums := d.sums()
		for t := range 3 {
			if sums[t] != nil {
				m.sect[t].lookup(sums[t], s.size, func(n uint32) { hits = append(hits, n) })
			}
		}
	}
	return hits, nil
}

// nameBytes decodes name index n (hashside.go: hash names have their own
// arena).
func (m *Matcher) nameBytes(n uint32) []byte {
	if n&hashNameBit != 0 {
		return m.hnames.bytes(n &^ hashNameBit)
	}
	return m.names.bytes(n)
}
