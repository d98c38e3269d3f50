package sigfile

import "fmt"

// maxTarget is the number of targets ClamAV knows (CLI_MTARGETS); lines
// for higher targets are skipped.
const maxTarget = 15

// bmMinLength is the shortest pattern ClamAV's Boyer-Moore matcher takes.
const bmMinLength = 3

// parseNDB parses NAME:TARGET:OFFSET:HEX[:MINFL[:MAXFL]].
func parseNDB(line string) (Entry, error) {
	var f [6]string
	n, ok := splitFields(line, ':', f[:])
	if !ok || n < 4 {
		return Entry{}, fmt.Errorf("%w: want NAME:TARGET:OFFSET:HEX[:MINFL[:MAXFL]]", ErrFields)
	}
	if f[0] == "" {
		return Entry{}, fmt.Errorf("%w: empty name", ErrName)
	}
	sig := &BodySig{Name: f[0], Hex: f[3], Offset: Offset{Kind: OffAny, MaxShift: NoShift}}
	var skip string
	var err error
	if sig.MinFL, sig.MaxFL, skip, err = parseFLevels(f[4:n]); err != nil {
		return Entry{}, err
	}
	if sig.Target, err = parseTarget(f[1]); err != nil {
		return Entry{}, err
	}
	if sig.Target >= maxTarget && skip == "" {
		skip = fmt.Sprintf("unknown target %d", sig.Target)
	}
	e := Entry{Kind: KindNDB, Body: sig, Skip: skip}

	off, err := ParseOffset(f[2])
	if err == nil {
		sig.Offset = off
		err = off.checkTarget(sig.Target)
	}
	if err != nil {
		if skip != "" {
			return e, nil
		}
		return Entry{}, err
	}
	pat, err := ParsePattern(f[3])
	if err == nil && skip == "" {
		err = checkBM(pat, sig.Target, off)
	}
	if err != nil {
		if skip != "" {
			return e, nil
		}
		return Entry{}, err
	}
	sig.Pattern = pat
	return e, nil
}

// parseTarget parses an ndb target: a decimal, or "*" which ClamAV reads
// as 0.
func parseTarget(s string) (int, error) {
	if s == "*" {
		return 0, nil
	}
	v, ok := parseUint(s, maxU32)
	if !ok {
		return 0, fmt.Errorf("%w: %q is not a decimal number", ErrTarget, s)
	}
	return int(v), nil
}

// checkBM applies the Boyer-Moore minimum length: ClamAV gives a plain
// pattern (one part, no wildcard or alternative) of an ndb line to
// Boyer-Moore when the target is 0, or 1 with a fixed offset, and that
// matcher needs 3 bytes. Everything else goes to Aho-Corasick, whose rules
// ParsePattern already checked.
func checkBM(p Pattern, target int, off Offset) error {
	if len(p.Parts) != 1 || len(p.Parts[0]) >= bmMinLength {
		return nil
	}
	for _, e := range p.Parts[0] {
		if !fixedByte(e) {
			return nil
		}
	}
	switch {
	case off.Kind == OffVersionInfo || off.Kind == OffMacro:
		return nil
	case target == 0:
	case target == 1 && off.Kind != OffAny && off.MaxShift < 0:
	default:
		return nil
	}
	return fmt.Errorf("%w: a plain pattern for target %d needs at least %d bytes", ErrTooShort, target, bmMinLength)
}
