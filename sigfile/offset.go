package sigfile

import (
	"fmt"
	"strconv"
	"strings"
)

// maxOffsetLen is ClamAV's limit on the text of an offset field.
const maxOffsetLen = 64

// maxMacroGroups is the number of macro groups ClamAV supports ($0$..$31$).
const maxMacroGroups = 32

// ParseOffset parses the offset field of a body signature or subsignature:
// "*", "n", "EOF-n", "EP+n", "EP-n", "Sx+n", "SEx", "SL+n", "VI" or "$n$",
// any but "*" optionally followed by ",maxshift". Numbers are unsigned
// decimals that fit in 32 bits, as in ClamAV. Whether the kind suits the
// signature's target is checked by ParseLine, which knows the target.
func ParseOffset(s string) (Offset, error) {
	if s == "*" {
		return Offset{Kind: OffAny, MaxShift: NoShift}, nil
	}
	if len(s) > maxOffsetLen {
		return Offset{}, fmt.Errorf("%w: longer than %d characters", ErrOffset, maxOffsetLen)
	}
	o := Offset{MaxShift: NoShift}
	if i := strings.IndexByte(s, ','); i >= 0 {
		v, ok := parseUint(s[i+1:], maxU32)
		if !ok {
			return Offset{}, fmt.Errorf("%w: %q: bad maximum shift %q", ErrOffset, s, s[i+1:])
		}
		o.MaxShift = int64(v)
		s = s[:i]
	}
	num := func(t string) (int64, error) {
		v, ok := parseUint(t, maxU32)
		if !ok {
			return 0, fmt.Errorf("%w: %q: want a decimal number, got %q", ErrOffset, s, t)
		}
		return int64(v), nil
	}
	var err error
	switch {
	case s == "*":
		return Offset{}, fmt.Errorf("%w: \"*\" takes no maximum shift", ErrOffset)
	case strings.HasPrefix(s, "EP+"):
		o.Kind = OffEP
		o.N, err = num(s[3:])
	case strings.HasPrefix(s, "EP-"):
		o.Kind = OffEP
		o.N, err = num(s[3:])
		o.N = -o.N
	case strings.HasPrefix(s, "EOF-"):
		o.Kind = OffEOF
		o.N, err = num(s[4:])
	case strings.HasPrefix(s, "SE"):
		o.Kind = OffSectionWhole
		var n int64
		n, err = num(s[2:])
		o.Section = int(n)
	case strings.HasPrefix(s, "SL+"):
		o.Kind = OffLastSection
		o.N, err = num(s[3:])
	case strings.HasPrefix(s, "S"):
		o.Kind = OffSection
		x, n, ok := strings.Cut(s[1:], "+")
		if !ok {
			return Offset{}, fmt.Errorf("%w: %q: want Sx+n", ErrOffset, s)
		}
		var sec int64
		if sec, err = num(x); err == nil {
			o.Section = int(sec)
			o.N, err = num(n)
		}
	case s == "VI":
		o.Kind = OffVersionInfo
	case strings.HasPrefix(s, "$"):
		o.Kind = OffMacro
		if len(s) < 3 || s[len(s)-1] != '$' {
			return Offset{}, fmt.Errorf("%w: %q: want $n$", ErrOffset, s)
		}
		var n int64
		if n, err = num(s[1 : len(s)-1]); err == nil && n >= maxMacroGroups {
			err = fmt.Errorf("%w: %q: macro group must be below %d", ErrOffset, s, maxMacroGroups)
		}
		o.Macro = int(n)
	default:
		o.Kind = OffAbs
		o.N, err = num(s)
	}
	if err != nil {
		return Offset{}, err
	}
	return o, nil
}

// execOnly reports whether the offset needs executable structure (entry
// point, sections, version info), which ClamAV allows only for targets
// 1 (PE), 6 (ELF) and 9 (Mach-O).
func (o Offset) execOnly() bool {
	switch o.Kind {
	case OffEP, OffSection, OffSectionWhole, OffLastSection, OffVersionInfo:
		return true
	}
	return false
}

// checkTarget rejects an executable-relative offset for a target that has
// no executable structure.
func (o Offset) checkTarget(target int) error {
	if o.execOnly() && target != 1 && target != 6 && target != 9 {
		return fmt.Errorf("%w: %s is only valid for targets 1 (PE), 6 (ELF) and 9 (Mach-O), not %d", ErrOffset, o, target)
	}
	return nil
}

// String returns the offset in signature syntax.
func (o Offset) String() string {
	var s string
	switch o.Kind {
	case OffAny:
		return "*"
	case OffAbs:
		s = strconv.FormatInt(o.N, 10)
	case OffEOF:
		s = "EOF-" + strconv.FormatInt(o.N, 10)
	case OffEP:
		if o.N < 0 {
			s = "EP-" + strconv.FormatInt(-o.N, 10)
		} else {
			s = "EP+" + strconv.FormatInt(o.N, 10)
		}
	case OffSection:
		s = "S" + strconv.Itoa(o.Section) + "+" + strconv.FormatInt(o.N, 10)
	case OffSectionWhole:
		s = "SE" + strconv.Itoa(o.Section)
	case OffLastSection:
		s = "SL+" + strconv.FormatInt(o.N, 10)
	case OffVersionInfo:
		s = "VI"
	case OffMacro:
		s = "$" + strconv.Itoa(o.Macro) + "$"
	default:
		s = fmt.Sprintf("?offset-kind-%d", o.Kind)
	}
	if o.MaxShift >= 0 {
		s += "," + strconv.FormatInt(o.MaxShift, 10)
	}
	return s
}
