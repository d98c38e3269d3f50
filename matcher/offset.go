package matcher

import (
	"cmp"
	"math/bits"
	"slices"

	"github.com/sigtool/sigtool/filetype"
	"github.com/sigtool/sigtool/sigfile"
)

// directShift bounds the start range of a pattern checked only at the
// positions its offset allows; wider ranges (and SEx) go through the filter
// and are checked against the range on each candidate.
const directShift = 4096

// directPat is a pattern checked directly (modeDirect) with what deciding
// a start needs before the pattern is touched: loading each one's pattern
// was a cache miss apiece, 10% of the scan of real documents (many small
// members).
type directPat struct {
	pi     uint32
	target uint8
	off    sigfile.Offset
	win    window // the first windowLen bytes of part 0 from its start
}

// directPat returns pattern pi's directPat.
func (s *Segment) directPat(pi uint32) directPat {
	p := &s.pats[pi]
	cl := s.c.fixedClasses(s.c.parts[p.part0], nil, windowLen)
	w := classWindow(cl[:min(len(cl), 7)])
	if len(cl) > 7 {
		w2 := classWindow(cl[7:])
		w.val2, w.mask2 = w2.val, w2.mask
	}
	return directPat{pi: pi, target: p.target, off: p.off, win: w}
}

// directSet is a segment's directly checked patterns, arranged so that a
// Match call visits those its content's targets and bytes allow rather
// than all of them (731 in ClamAV's databases, 410 of them at offset 0 of
// any file: most calls are small members that none of them fits).
// Patterns with one start position (no shift) and a fixed first byte are
// grouped by target and offset, and sorted by that byte within a group: a
// group costs one startRange and one byte read. The rest of a target's
// patterns are in an unkeyed group, each checked as before.
type directSet struct {
	pats   []directPat   // by target, then group, then first byte
	first  []byte        // pats[k]'s first byte (in keyed groups)
	groups []directGroup // by target
	// byTarget[t]:byTarget[t+1] are target t's groups.
	byTarget [maxTarget + 2]uint32
}

// directGroup is pats[lo:hi] of a directSet; keyed: all start only at
// off's one position, with a fixed first byte.
type directGroup struct {
	off    sigfile.Offset
	lo, hi uint32
	keyed  bool
}

// newDirectSet arranges list (in any order) into a directSet.
func newDirectSet(list []directPat) directSet {
	keyed := func(dp *directPat) bool { return oneStart(dp.off) && byte(dp.win.mask) == 0xff }
	pats := slices.Clone(list)
	slices.SortStableFunc(pats, func(a, b directPat) int {
		ka, kb := keyed(&a), keyed(&b)
		return cmp.Or(cmp.Compare(a.target, b.target),
			cmpBool(kb, ka), // keyed groups first
			compareOffset(a.off, b.off, ka && kb),
			cmp.Compare(byte(a.win.val), byte(b.win.val)))
	})
	ds := directSet{pats: pats, first: make([]byte, len(pats))}
	for k := range pats {
		dp := &pats[k]
		ds.first[k] = byte(dp.win.val)
		g := directGroup{off: dp.off, lo: uint32(k), hi: uint32(k + 1), keyed: keyed(dp)}
		if n := len(ds.groups); n > 0 {
			last := &ds.groups[n-1]
			if pats[last.lo].target == dp.target && last.keyed == g.keyed && (!g.keyed || last.off == g.off) {
				last.hi++
				continue
			}
		}
		ds.groups = append(ds.groups, g)
	}
	for t := range ds.byTarget {
		ds.byTarget[t] = uint32(len(ds.groups))
		if k := slices.IndexFunc(ds.groups, func(g directGroup) bool { return int(pats[g.lo].target) >= t }); k >= 0 {
			ds.byTarget[t] = uint32(k)
		}
	}
	return ds
}

// oneStart reports whether startRange gives off a single position in any
// file: no shift, and a kind that names one place. VI names each key of the
// version information and SEx a whole section, so a pattern there may start
// at many places even with no shift.
func oneStart(off sigfile.Offset) bool {
	switch off.Kind {
	case sigfile.OffAbs, sigfile.OffEOF, sigfile.OffEP, sigfile.OffSection, sigfile.OffLastSection:
		return off.MaxShift <= 0
	}
	return false
}

// cmpBool orders false before true.
func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// compareOffset orders offsets when byOff, else calls all equal.
func compareOffset(a, b sigfile.Offset, byOff bool) int {
	if !byOff {
		return 0
	}
	return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Section, b.Section),
		cmp.Compare(a.N, b.N), cmp.Compare(a.MaxShift, b.MaxShift))
}

// directs checks the directly checked patterns of the segment that the
// content's targets and bytes allow.
func (d *detection) directs(i int) {
	ds := &d.m.segs[i].directs
	var sc *scan
	for tm := d.tmask; tm != 0; tm &= tm - 1 {
		t := bits.TrailingZeros32(tm)
		if t > maxTarget {
			break
		}
		for _, g := range ds.groups[ds.byTarget[t]:ds.byTarget[t+1]] {
			lo, hi := g.lo, g.hi
			if sc == nil {
				sc = d.seg(i)
			}
			if g.keyed {
				s, _, ok := sc.startRange(g.off)
				if !ok {
					continue
				}
				// No byte there (the end of the content, a read error,
				// which Match returns): none of them can match. An empty
				// content verified all 410 of offset 0, 43 us a call.
				b, ok := sc.v.at(s)
				if !ok {
					continue
				}
				first := ds.first[lo:hi]
				k, _ := slices.BinarySearch(first, b)
				n := 0
				for k+n < len(first) && first[k+n] == b {
					n++
				}
				lo, hi = lo+uint32(k), lo+uint32(k+n)
			}
			for k := lo; k < hi; k++ {
				sc.direct(&ds.pats[k])
			}
		}
	}
}

// startRange returns the inclusive range of positions where a pattern with
// offset off may start in the file being scanned; ok is false when the
// offset cannot be computed for this file (an EP offset in a file that is no
// executable, a section that does not exist, a position outside the file).
func (sc *scan) startRange(off sigfile.Offset) (lo, hi int64, ok bool) {
	size := sc.v.size
	var base int64
	switch off.Kind {
	case sigfile.OffAny:
		return 0, size, true
	case sigfile.OffAbs:
		return fileRange(off, size)
	case sigfile.OffEOF:
		if sc.exe != nil && !sc.exe.ok {
			return 0, 0, false // ClamAV computes no relative offset then
		}
		return fileRange(off, size)
	case sigfile.OffVersionInfo:
		if sc.exe == nil || !sc.exe.ok || len(sc.exe.vinfo) == 0 {
			return 0, 0, false
		}
		return sc.exe.vinfo[0], min(sc.exe.vinfo[len(sc.exe.vinfo)-1], size), true
	case sigfile.OffEP:
		if sc.exe == nil || !sc.exe.ok {
			return 0, 0, false
		}
		base = sc.exe.ep + off.N
	case sigfile.OffSection, sigfile.OffSectionWhole:
		if sc.exe == nil || !sc.exe.ok || off.Section < 0 || off.Section >= len(sc.exe.secs) {
			return 0, 0, false
		}
		sec := sc.exe.secs[off.Section]
		if off.Kind == sigfile.OffSectionWhole {
			if sec.size <= 0 || sec.off >= size {
				return 0, 0, false
			}
			return sec.off, min(sec.off+sec.size-1, size), true
		}
		base = sec.off + off.N
	case sigfile.OffLastSection:
		if sc.exe == nil || !sc.exe.ok || len(sc.exe.secs) == 0 {
			return 0, 0, false
		}
		base = sc.exe.secs[len(sc.exe.secs)-1].off + off.N
	default:
		return 0, 0, false
	}
	return shifted(off, base, size)
}

// fileRange is startRange for the offsets that need only the file's
// size: absolute and from the end.
func fileRange(off sigfile.Offset, size int64) (lo, hi int64, ok bool) {
	base := off.N
	if off.Kind == sigfile.OffEOF {
		base = size - off.N
	}
	return shifted(off, base, size)
}

// shifted is the range from base to base+maxshift, within the file.
func shifted(off sigfile.Offset, base, size int64) (lo, hi int64, ok bool) {
	lo, hi = base, base
	if off.MaxShift > 0 {
		hi = base + off.MaxShift
	}
	if lo < 0 || lo > size {
		return 0, 0, false // as ClamAV: an offset outside the file never matches
	}
	return lo, min(hi, size), true
}

// gated reports whether a filtered pattern's offset is checked on each
// hit before the pattern is looked at (fileRange).
func gated(off sigfile.Offset) bool {
	return off.Kind == sigfile.OffAbs || off.Kind == sigfile.OffEOF
}

// gateOK reports whether pattern p, with its anchor part starting at s,
// could start where its offset allows in a file of size bytes: the parts
// before the anchor take leftMin to leftMax bytes (unbounded past a "*").
func (seg *Segment) gateOK(p *pattern, s, size int64) bool {
	lo, hi, ok := fileRange(p.off, size)
	if !ok {
		return false
	}
	leftMin, leftMax := int64(0), int64(0)
	for _, pd := range seg.c.parts[p.part0 : p.part0+p.anchorPart] {
		leftMin += int64(pd.minW) + int64(pd.gapMin)
		if pd.gapMax < 0 || leftMax < 0 {
			leftMax = -1
		} else {
			leftMax += int64(pd.maxW) + int64(pd.gapMax)
		}
	}
	if s-leftMin < lo {
		return false
	}
	return leftMax < 0 || s-leftMax <= hi
}

// needsExe reports whether an offset needs the executable's layout.
func needsExe(off sigfile.Offset) bool {
	switch off.Kind {
	case sigfile.OffEP, sigfile.OffSection, sigfile.OffSectionWhole, sigfile.OffLastSection, sigfile.OffVersionInfo:
		return true
	}
	return false
}

// needsInfo reports whether an offset depends on the executable's header
// parsing: those of needsExe, and EOF-n, which ClamAV does not compute for
// an executable whose headers do not parse.
func needsInfo(off sigfile.Offset) bool { return needsExe(off) || off.Kind == sigfile.OffEOF }

// targets is a set of signature targets (bit t for target t). raw are
// the targets of ClamAV's raw scan of a layer; pass2 those of the
// type-specific second pass it makes over the same bytes of some types.
type targets struct{ raw, pass2 uint16 }

// maxTarget is the highest target ClamAV knows (14, "other").
const maxTarget = 14

// targetSet returns the targets ClamAV matches on content described by
// info (libclamav/scanners.c, cli_magic_scan and scanraw): the generic ones
// always; on normalised content the target of its type; on a layer's raw
// bytes the target of its type, except for ASCII text, whose target 7 is
// for its normalised form; and a second pass over the raw bytes with
// target 4 for text in or recognised as mail, with target 14 for binary
// data (and compiled Python).
func targetSet(info filetype.Info) targets {
	t := info.Type
	ts := targets{raw: 1}
	if info.Normalized || t != filetype.TextASCII {
		ts.raw |= 1 << t.Target()
	}
	if info.Normalized {
		return ts
	}
	switch {
	case t.IsText() && (info.Found == filetype.Mail || info.Container() == filetype.Mail):
		ts.pass2 = 1 | 1<<filetype.Mail.Target()
	case t == filetype.BinaryData || t == filetype.PythonCompiled:
		ts.pass2 = 1 | 1<<filetype.Other.Target()
	}
	return ts
}

// second reports whether target t applies on the second pass.
func (ts targets) second(t uint8) bool { return t <= maxTarget && ts.pass2&(1<<t) != 0 }

// mask is the set of targets on either pass, as one word (bit t).
func (ts targets) mask() uint32 { return uint32(ts.raw | ts.pass2) }

// targetOK reports whether a signature for target t applies to this content.
func (sc *scan) targetOK(t uint8) bool { return sc.d.tmask>>t&1 != 0 }

// knownTarget reports whether ClamAV matches signatures of target t on some
// content: 0 to 14, but for 8, a target it loads and never uses.
func knownTarget(t int) bool { return t >= 0 && t <= maxTarget && t != 8 }
