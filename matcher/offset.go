package matcher

import "github.com/sigtool/sigtool/sigfile"

// directShift bounds the start range of a pattern checked only at the
// positions its offset allows; wider ranges (and SEx) go through the filter
// and are checked against the range on each candidate.
const directShift = 4096

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
	case sigfile.OffAbs, sigfile.OffEOF:
		return fileRange(off, size)
	case sigfile.OffEP:
		if sc.exe == nil || sc.exe.ep < 0 {
			return 0, 0, false
		}
		base = sc.exe.ep + off.N
	case sigfile.OffSection, sigfile.OffSectionWhole:
		if sc.exe == nil || off.Section < 0 || off.Section >= len(sc.exe.secs) {
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
		if sc.exe == nil || len(sc.exe.secs) == 0 {
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
	case sigfile.OffEP, sigfile.OffSection, sigfile.OffSectionWhole, sigfile.OffLastSection:
		return true
	}
	return false
}

// fileTargets returns the set of targets (bit t: target t) whose
// signatures apply to a file: 0 always, 1 PE, 6 ELF, 9 Mach-O. Only those
// are ever compiled (others are counted as not evaluated at build time).
func fileTargets(exe *execInfo) uint32 {
	m := uint32(1)
	if exe != nil {
		switch exe.typ {
		case ftPE:
			m |= 1 << 1
		case ftELF:
			m |= 1 << 6
		case ftMachO:
			m |= 1 << 9
		}
	}
	return m
}

// targetOK reports whether a signature for target t applies to this file.
func (sc *scan) targetOK(t uint8) bool { return sc.d.tmask>>t&1 != 0 }

func nativeTarget(t int) bool { return t == 0 || t == 1 || t == 6 || t == 9 }
