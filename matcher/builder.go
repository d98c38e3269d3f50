package matcher

import (
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"sync"

	"github.com/sigtool/sigtool/sigfile"
)

// Builder collects signatures and compiles them into a Matcher. It is not
// safe for concurrent use. Each entry is compiled when added, so the
// caller's parsed form can be dropped right away.
type Builder struct {
	c     code
	pats  []pattern
	sigs  []uint32 // ndb signature -> name
	lsigs []lsigInfo
	// nslots counts the subsignatures of lsigs: each has a count slot.
	nslots uint32
	names  names
	// hf stores hash signatures on a goroutine of its own (hashside.go).
	hf *hashFeed
	// ignore holds ignore entries by name; md5s qualify an entry to the
	// database line with that MD5.
	ignore map[string]*ignoreRule
	stats  Stats
	used   bool
	// chunk is the read size of the Matcher (tests set it small).
	chunk int
	// offs holds the anchor gram offsets of anchored patterns (pattern
	// anchorLit/anchorLen index it); a Segment keeps it for Combine.
	offs []uint16
	gs   gramScratch // chooseGrams' scratch space
}

type ignoreRule struct {
	all  bool
	md5s [][16]byte
}

// NewBuilder returns an empty Builder.
func NewBuilder() *Builder {
	return &Builder{ignore: map[string]*ignoreRule{}, chunk: defaultChunk, hf: &hashFeed{}}
}

// Add adds one parsed entry of any kind. Entries that this engine does not
// evaluate (unsupported targets or subsignature kinds, FLevel out of range)
// are not errors: they are counted in Stats.NotEvaluated. An ignore entry
// that carries an MD5 cannot apply to entries added with Add, which does not
// know their line; see AddLine.
func (b *Builder) Add(e sigfile.Entry) error { return b.AddLine(e, "") }

// AddLine is Add for an entry whose database line (without line ending) is
// known, so that ignore entries qualified by the line's MD5 (.ign2
// "NAME:MD5") apply to it. Such ignore entries must be added before the
// lines they name, as ClamAV loads ignore lists first.
func (b *Builder) AddLine(e sigfile.Entry, line string) error {
	if b.used {
		return ErrBuilt
	}
	switch {
	case e.Ignore != nil:
		return b.addIgnore(e.Ignore)
	case e.Hash != nil:
		if b.ignoredLine(e.Hash.Name, line) {
			b.stats.Ignored++
			return nil
		}
		return b.addHash(e.Hash, e.Allow)
	case e.Body != nil:
		if b.ignoredLine(e.Body.Name, line) {
			b.stats.Ignored++
			return nil
		}
		return b.addBody(e.Body)
	case e.Logical != nil:
		if b.ignoredLine(e.Logical.Name, line) {
			b.stats.Ignored++
			return nil
		}
		return b.addLogical(e.Logical)
	}
	return fmt.Errorf("%w: entry of kind %q holds nothing", ErrBadSignature, e.Kind)
}

func (b *Builder) addIgnore(ig *sigfile.IgnoreEntry) error {
	if ig.Name == "" {
		return fmt.Errorf("%w: ignore entry without a name", ErrBadSignature)
	}
	r := b.ignore[ig.Name]
	if r == nil {
		r = &ignoreRule{}
		b.ignore[ig.Name] = r
	}
	switch len(ig.MD5) {
	case 0:
		r.all = true
	case 16:
		r.md5s = append(r.md5s, [16]byte(ig.MD5))
	default:
		return fmt.Errorf("%w: ignore entry %q: MD5 of %d bytes", ErrBadSignature, ig.Name, len(ig.MD5))
	}
	b.stats.IgnoreEntries++
	return nil
}

// ignoredLine applies MD5-qualified ignore entries (name-only ones are
// applied at Build, whatever the order of adding).
func (b *Builder) ignoredLine(name, line string) bool {
	r := b.ignore[name]
	if r == nil || len(r.md5s) == 0 || line == "" {
		return false
	}
	sum := md5.Sum([]byte(line))
	for _, m := range r.md5s {
		if m == sum {
			return true
		}
	}
	return false
}

func flevelOK(minFL, maxFL int) bool {
	return minFL <= sigfile.FLevel && (maxFL == 0 || maxFL >= sigfile.FLevel)
}

func (b *Builder) addHash(h *sigfile.HashSig, allow bool) error {
	t := hashIndex(h.Type)
	if t < 0 || len(h.Digest) != hashWidth[t] {
		return fmt.Errorf("%w: %s: %s digest of %d bytes", ErrBadSignature, h.Name, h.Type, len(h.Digest))
	}
	var size uint32
	switch {
	case h.Size == sigfile.AnySize:
		size = anySize
	case h.Size < 0 || h.Size >= int64(anySize):
		return fmt.Errorf("%w: %s: size %d out of range", ErrBadSignature, h.Name, h.Size)
	default:
		size = uint32(h.Size)
	}
	if !flevelOK(h.MinFL, h.MaxFL) {
		b.stats.notEvaluated(ReasonFLevel)
		return nil
	}
	if allow && h.Section {
		return fmt.Errorf("%w: %s: a section hash cannot be an allow entry", ErrBadSignature, h.Name)
	}
	e := hashEntry{size: size, t: uint8(t), dest: destHash, name: h.Name}
	switch {
	case allow:
		e.dest = destAllow
	case h.Section:
		e.dest = destSect
	}
	copy(e.d[:], h.Digest)
	b.hf.add(&e)
	return nil
}

func (b *Builder) addBody(s *sigfile.BodySig) error {
	switch {
	case !flevelOK(s.MinFL, s.MaxFL):
		b.stats.notEvaluated(ReasonFLevel)
		return nil
	case !knownTarget(s.Target):
		b.stats.notEvaluated(ReasonTarget)
		return nil
	case s.Offset.Kind == sigfile.OffMacro:
		b.stats.notEvaluated(ReasonOffset)
		return nil
	}
	mark := b.mark()
	owner := uint32(len(b.sigs))
	if err := b.addPattern(s.Pattern, mods{}, s.Offset, uint8(s.Target), owner, 0, false, 1); err != nil {
		b.rollback(mark)
		return fmt.Errorf("%s: %w", s.Name, err)
	}
	b.sigs = push(b.sigs, b.names.add(s.Name))
	return nil
}

func (b *Builder) addLogical(l *sigfile.LogicalSig) error {
	if r := lsigReason(l); r != "" {
		b.stats.notEvaluated(r)
		return nil
	}
	if len(l.Subs) == 0 || len(l.Subs) > maxSubs {
		return fmt.Errorf("%w: %s: %d subsignatures", ErrBadSignature, l.Name, len(l.Subs))
	}
	expr, err := compileExpr(l.Expr, len(l.Subs), 0)
	if err != nil {
		return fmt.Errorf("%s: %w", l.Name, err)
	}
	t := &l.TDB
	info := lsigInfo{
		expr: expr, nsubs: len(l.Subs), target: uint8(t.Target),
		fileSize: toRange(t.FileSize), ep: toRange(t.EntryPoint), nsect: toRange(t.NumberOfSections),
		subCap: expr.subCaps(len(l.Subs)),
	}
	if err := info.tdbTypes(t); err != nil {
		return fmt.Errorf("%s: %w", l.Name, err)
	}
	// PCRE subsignatures first: their triggers read the body
	// subsignatures' counts, which decides how those are anchored.
	for i := range l.Subs {
		s := &l.Subs[i]
		if s.Kind != sigfile.SubPCRE {
			continue
		}
		p, err := compilePCRE(s, i, len(l.Subs))
		if errors.Is(err, errPCRESyntax) {
			b.stats.notEvaluated(ReasonPCRE)
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: subsignature %d: %w", l.Name, i, err)
		}
		if p.trigger != nil {
			for j, c := range p.trigger.subCaps(len(l.Subs)) {
				info.subCap[j] = max(info.subCap[j], c)
			}
		}
		info.pcres = append(info.pcres, p)
		info.pcreAtZero = info.pcreAtZero || p.atZero
	}
	mark := b.mark()
	owner := uint32(len(b.lsigs))
	for i := range l.Subs {
		s := &l.Subs[i]
		if s.Kind == sigfile.SubPCRE {
			continue
		}
		m := mods{nocase: s.NoCase, fullword: s.FullWord}
		forms := []bool{false}
		if s.Wide {
			forms = []bool{true}
			if s.ASCII {
				forms = []bool{false, true}
			}
		}
		for _, wide := range forms {
			m.wide = wide
			if err := b.addPattern(s.Pattern, m, s.Offset, info.target, owner, uint8(i), true, info.subCap[i]); err != nil {
				b.rollback(mark)
				return fmt.Errorf("%s: subsignature %d: %w", l.Name, i, err)
			}
		}
	}
	info.name = b.names.add(l.Name)
	info.slot = b.nslots
	b.nslots += uint32(info.nsubs)
	b.lsigs = push(b.lsigs, info)
	return nil
}

// hotShift and hotScore decide which absolute and end-of-file offsets are
// checked directly: those with at most hotShift starts beyond the first
// whose anchor makes more than one candidate per 10 KB of real files
// (gramAnchor.score; 414 of the 1,288 in the real databases).
const (
	hotShift = 64
	hotScore = 1e-4
)

// addPattern compiles one body pattern of an ndb signature or a logical
// signature's subsignature sub; cap is the count at which its matches stop
// mattering (1 for ndb signatures).
func (b *Builder) addPattern(pat sigfile.Pattern, m mods, off sigfile.Offset, target uint8, owner uint32, sub uint8, lsig bool, cap uint32) error {
	if off.Kind != sigfile.OffAny && off.Kind != sigfile.OffEP && off.N < 0 {
		return fmt.Errorf("%w: negative offset %d", ErrBadSignature, off.N)
	}
	part0, nparts, err := b.c.compile(pat, m)
	if err != nil {
		return err
	}
	p := pattern{part0: part0, nparts: nparts, owner: owner, sub: sub, lsig: lsig, target: target, off: off, cap: cap}
	ga, gok := b.c.chooseGrams(part0, nparts, &b.gs)
	var sa anchorChoice
	if !gok {
		sa = b.c.chooseShort(part0, nparts)
	}
	_, runLen, run := b.c.runOf(part0, nparts)
	switch {
	case needsExe(off) && off.Kind != sigfile.OffSectionWhole && off.MaxShift <= directShift,
		off.Kind != sigfile.OffAny && !gok && !sa.ok,
		gated(off) && off.MaxShift <= hotShift && gok && ga.score >= hotScore:
		// Executable offsets are checked directly (only executables pay);
		// absolute and EOF offsets go through the filter like the rest, so
		// that every file does not pay for every such signature, unless
		// they allow few starts and their anchor is common in real files
		// (Img.Exploit.CVE_2018_5045-6779589-1's 14:0000 had 8.6M filter
		// hits in 41 DLLs).
		p.mode = modeDirect
	case run:
		p.mode = modeRun
		p.anchorLit, p.anchorLen = b.c.ops[b.c.parts[part0].op0].a, runLen
	case gok:
		p.mode = modeAnchored
		p.anchorPart, p.tier = ga.part, uint32(ga.tier)
		p.anchorLit, p.anchorLen = uint32(len(b.offs)), uint32(len(ga.offs))
		b.offs = pushAll(b.offs, ga.offs...)
	case sa.ok:
		p.mode = modeShort
		p.anchorPart, p.anchorOff, p.anchorLen, p.anchorLit = sa.part, sa.off, sa.length, sa.lit
	default:
		p.mode = modeSlow
	}
	b.pats = push(b.pats, p)
	return nil
}

// arena lengths, to undo a half-compiled logical signature.
type mark [9]int

func (b *Builder) mark() mark {
	c := &b.c
	return mark{len(c.ops), len(c.lit), len(c.sets), len(c.alts), len(c.items), len(c.bms), len(c.parts), len(b.pats), len(b.offs)}
}

func (b *Builder) rollback(m mark) {
	c := &b.c
	c.ops, c.lit, c.sets, c.alts = c.ops[:m[0]], c.lit[:m[1]], c.sets[:m[2]], c.alts[:m[3]]
	c.items, c.bms, c.parts, b.pats = c.items[:m[4]], c.bms[:m[5]], c.parts[:m[6]], b.pats[:m[7]]
	b.offs = b.offs[:m[8]]
}

// Build compiles everything added into an immutable Matcher. The Builder
// cannot be used afterwards.
func (b *Builder) Build(ctx context.Context) (*Matcher, error) {
	s, err := b.BuildSegment(ctx)
	if err != nil {
		return nil, err
	}
	return Combine(ctx, s)
}

// BuildSegment compiles everything added into an immutable Segment, to be
// combined with others into a Matcher (Combine). The Builder cannot be
// used afterwards.
func (b *Builder) BuildSegment(ctx context.Context) (*Segment, error) {
	if b.used {
		return nil, ErrBuilt
	}
	b.used = true
	if len(b.pats) >= maxPatterns {
		return nil, fmt.Errorf("%w: %d patterns, limit %d", ErrBadSignature, len(b.pats), maxPatterns)
	}
	hs := b.hf.wait()
	m := &Segment{names: b.names, hnames: hs.names, chunk: b.chunk, nslots: b.nslots}
	m.names.done()
	m.hnames.done()
	st := b.stats

	// Name-only ignore entries.
	dropName := func(n uint32) bool {
		if len(b.ignore) == 0 {
			return false // names are front-coded: do not decode for nothing
		}
		r := b.ignore[string(m.nameBytes(n))]
		return r != nil && r.all
	}
	keep := func(n uint32) bool { return !dropName(n) }
	if len(b.ignore) == 0 {
		keep = nil
	}

	// The hash sets and the rest are independent: the hash sets start
	// first (the largest is most of the build); names and arenas are only
	// read from here.
	var wg sync.WaitGroup
	defer wg.Wait()
	var loaded [3]int
	for t := range 3 {
		loaded[t] = hs.hash[t].len() + hs.sect[t].len()
		wg.Go(func() { m.hash[t] = hs.hash[t].build(hashWidth[t], keep) })
		wg.Go(func() {
			m.sect[t] = hs.sect[t].build(hashWidth[t], keep)
			m.allow[t] = hs.allow[t].build(hashWidth[t], nil)
		})
	}

	// The arenas grew by half again each time (arena.go): copy them to
	// their length beside the rest, which reads the untrimmed ones
	// meanwhile.
	b.c.run = nil
	m.c, m.pats, m.sigs, m.lsigs = b.c, b.pats, b.sigs, b.lsigs
	var tm Segment
	wg.Go(func() {
		c := b.c
		c.ops, c.lit, c.sets, c.alts = trim(c.ops), trim(c.lit), trim(c.sets), trim(c.alts)
		c.items, c.bms, c.parts = trim(c.items), trim(c.bms), trim(c.parts)
		tm.c, tm.pats, tm.sigs, tm.lsigs = c, trim(b.pats), trim(b.sigs), trim(b.lsigs)
		tm.offs = trim(b.offs)
	})
	deadSig := make([]bool, len(m.sigs))
	for i, n := range m.sigs {
		if dropName(n) {
			deadSig[i] = true
			st.Ignored++
		} else {
			st.BodySigs++
		}
	}
	deadLsig := make([]bool, len(m.lsigs))
	for i := range m.lsigs {
		if dropName(m.lsigs[i].name) {
			deadLsig[i] = true
			st.Ignored++
		} else {
			st.LogicalSigs++
		}
	}

	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.filtered = make([]bool, len(m.pats))
	var direct []directPat
	for pi := range m.pats {
		p := &m.pats[pi]
		if (p.lsig && deadLsig[p.owner]) || (!p.lsig && deadSig[p.owner]) {
			continue
		}
		st.Patterns++
		if needsInfo(p.off) {
			m.needExe = true
		}
		switch p.mode {
		case modeDirect:
			st.Direct++
			direct = append(direct, m.directPat(uint32(pi)))
		case modeRun:
			st.Runs++
			m.runs = addRun(m.runs, uint32(pi), m.c.lit[p.anchorLit], p.anchorLen)
		case modeSlow:
			st.Slow++
			m.slow = append(m.slow, uint32(pi))
			m.slowFirst = append(m.slowFirst, m.c.firstSet(m.c.parts[p.part0]))
		case modeShort:
			st.ShortAnchored++
			g := m.c.lit[p.anchorLit : p.anchorLit+p.anchorLen]
			for _, v := range caseVariants(g, m.patNocase(p)) {
				ref := uint64(uint16(v))<<48 | uint64(pi)
				if p.anchorLen == 3 {
					ref |= uint64(byte(v>>16))<<32 | 1<<40
				}
				m.short = append(m.short, ref)
			}
		case modeAnchored:
			st.Anchored++
			m.filtered[pi] = true
		}
	}

	m.directs = newDirectSet(direct)

	for i := range m.lsigs {
		l := &m.lsigs[i]
		if deadLsig[i] {
			continue
		}
		if l.ep.set || l.nsect.set {
			m.needExe = true
		}
		if ok, _, _ := l.expr.eval(make([]uint32, l.nsubs)); ok {
			m.always = append(m.always, uint32(i))
		}
		if l.pcreAtZero {
			m.pcreAtZero = append(m.pcreAtZero, uint32(i))
		}
		for _, p := range l.pcres {
			m.needExe = m.needExe || needsInfo(p.off)
		}
	}
	m.deadLsig = deadLsig

	if err := ctx.Err(); err != nil {
		return nil, err
	}
	wg.Wait()
	m.c, m.pats, m.sigs, m.lsigs, m.offs = tm.c, tm.pats, tm.sigs, tm.lsigs, tm.offs
	for t := range 3 {
		st.Ignored += loaded[t] - m.hash[t].len() - m.sect[t].len()
		st.HashSigs += m.hash[t].len()
		st.SectionHashSigs += m.sect[t].len()
		st.AllowHashes += m.allow[t].len()
		if m.sect[t].len() > 0 {
			m.needExe = true
		}
	}
	m.stats = st
	*b = Builder{used: true}
	return m, nil
}

// patNocase reports whether a pattern was compiled case-insensitively.
func (m *Segment) patNocase(p *pattern) bool {
	pd := m.c.parts[p.part0+p.anchorPart]
	for _, o := range m.c.ops[pd.op0:pd.op1] {
		if o.kind == opLit {
			return o.nocase
		}
	}
	return false
}

// caseVariants returns the gram (little-endian, as probed) and, when nocase,
// every upper/lower-case spelling of it.
func caseVariants(g []byte, nocase bool) []uint32 {
	le := func(b []byte) uint32 {
		var v uint32
		for i := len(b) - 1; i >= 0; i-- {
			v = v<<8 | uint32(b[i])
		}
		return v
	}
	if !nocase {
		return []uint32{le(g)}
	}
	out := []uint32{0}
	for i := len(g) - 1; i >= 0; i-- {
		var next []uint32
		for _, v := range out {
			l, u := lower(g[i]), upper(g[i])
			next = append(next, v<<8|uint32(l))
			if u != l {
				next = append(next, v<<8|uint32(u))
			}
		}
		out = next
	}
	return out
}
