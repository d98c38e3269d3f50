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
	case sigfile.OffAbs:
		base = off.N
	case sigfile.OffEOF:
		base = size - off.N
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
	lo, hi = base, base
	if off.MaxShift > 0 {
		hi = base + off.MaxShift
	}
	if lo < 0 || lo > size {
		return 0, 0, false // as ClamAV: an offset outside the file never matches
	}
	return lo, min(hi, size), true
}

// needsExe reports whether an offset needs the executable's layout.
func needsExe(off sigfile.Offset) bool {
	switch off.Kind {
	case sigfile.OffEP, sigfile.OffSection, sigfile.OffSectionWhole, sigfile.OffLastSection:
		return true
	}
	return false
}

// targetOK reports whether a signature for target t applies to this file.
// Only targets 0, 1, 6 and 9 are ever compiled (others are counted as not
// evaluated at build time).
func (sc *scan) targetOK(t uint8) bool {
	switch t {
	case 0:
		return true
	case 1:
		return sc.exe != nil && sc.exe.typ == ftPE
	case 6:
		return sc.exe != nil && sc.exe.typ == ftELF
	case 9:
		return sc.exe != nil && sc.exe.typ == ftMachO
	}
	return false
}

func nativeTarget(t int) bool { return t == 0 || t == 1 || t == 6 || t == 9 }
