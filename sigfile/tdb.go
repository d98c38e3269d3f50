package sigfile

import (
	"errors"
	"fmt"
	"strings"

	"github.com/sigtool/sigtool/filetype"
)

// Facts from ClamAV's lsigattribs and init_tdb (readdb.c).
const (
	maxIntermediates = 16 // EXPR_TOKEN_MAX
	minEngineNewAttr = 51 // attributes other than Target need Engine >= 51
	targetPE         = 1
	targetELF        = 6
	targetMachO      = 9
)

// parseTDB parses the target description block of a logical signature.
// skip is non-empty when ClamAV would skip the signature: an attribute or
// file type it does not know, an Engine range without FLevel, or a target
// above 14. Once a skip is certain, ClamAV stops reading the block, so later
// attributes that do not parse go to Other instead of failing.
func parseTDB(s string) (tdb TargetBlock, skip string, err error) {
	if s == "" {
		return tdb, "", fmt.Errorf("%w: empty", ErrTDB)
	}
	haveEngine, haveTarget, newAttr := false, false, false
	for i, attr := range strings.Split(s, ",") {
		key, val, ok := strings.Cut(attr, ":")
		if !ok {
			if skip != "" {
				setOther(&tdb, attr, "")
				continue
			}
			return tdb, "", fmt.Errorf("%w: attribute %q is not Key:Value", ErrTDB, attr)
		}
		err := tdb.set(key, val, i)
		switch {
		case err == errUnknownAttr:
			setOther(&tdb, key, val)
			if skip == "" {
				skip = fmt.Sprintf("unknown TDB attribute %q", key)
			}
			continue
		case err == errUnknownType:
			setOther(&tdb, key, val)
			if skip == "" {
				skip = fmt.Sprintf("unknown file type in %s:%s", key, val)
			}
			continue
		case err != nil && skip != "":
			setOther(&tdb, key, val)
			continue
		case err != nil:
			return tdb, "", err
		}
		switch key {
		case "Engine":
			haveEngine = true
		case "Target":
			haveTarget = true
		default:
			newAttr = true
		}
	}
	if skip != "" {
		return tdb, skip, nil
	}
	if newAttr && (!haveEngine || tdb.EngineMin < minEngineNewAttr) {
		return tdb, "", fmt.Errorf("%w: attributes other than Target need Engine with a minimum of at least %d first", ErrTDB, minEngineNewAttr)
	}
	if haveEngine && (tdb.EngineMin > FLevel || tdb.EngineMax < FLevel) {
		return tdb, fmt.Sprintf("Engine range %d-%d excludes functionality level %d", tdb.EngineMin, tdb.EngineMax, FLevel), nil
	}
	if !haveTarget {
		return tdb, "", fmt.Errorf("%w: no Target", ErrTDB)
	}
	if tdb.Target >= maxTarget {
		return tdb, fmt.Sprintf("unknown target %d", tdb.Target), nil
	}
	if (tdb.IconGroup1 != "" || tdb.IconGroup2 != "") && tdb.Target != targetPE {
		return tdb, "", fmt.Errorf("%w: IconGroup needs Target:1", ErrTDB)
	}
	if (tdb.EntryPoint != nil || tdb.NumberOfSections != nil) && !execTarget(tdb.Target) {
		return tdb, "", fmt.Errorf("%w: EntryPoint and NumberOfSections need Target 1, 6 or 9", ErrTDB)
	}
	return tdb, "", nil
}

func execTarget(t int) bool { return t == targetPE || t == targetELF || t == targetMachO }

func setOther(tdb *TargetBlock, key, val string) {
	if tdb.Other == nil {
		tdb.Other = make(map[string]string)
	}
	tdb.Other[key] = val
}

// Internal results of TargetBlock.set that are skips, not errors.
var (
	errUnknownAttr = errors.New("unknown attribute")
	errUnknownType = errors.New("unknown file type")
)

// set stores one attribute; i is its position in the block. A repeated
// key overwrites the earlier value, as in ClamAV.
func (tdb *TargetBlock) set(key, val string, i int) error {
	switch key {
	case "Engine":
		if i != 0 {
			return fmt.Errorf("%w: Engine must be the first attribute", ErrTDB)
		}
		r, err := parseRange(key, val)
		if err != nil {
			return err
		}
		tdb.EngineMin, tdb.EngineMax = int(r.Min), int(r.Max)
	case "Target":
		v, ok := parseUint(val, maxU32)
		if !ok {
			return fmt.Errorf("%w: Target %q is not a decimal number", ErrTDB, val)
		}
		tdb.Target = int(v)
	case "FileSize", "EntryPoint", "NumberOfSections":
		r, err := parseRange(key, val)
		if err != nil {
			return err
		}
		switch key {
		case "FileSize":
			tdb.FileSize = r
		case "EntryPoint":
			tdb.EntryPoint = r
		default:
			tdb.NumberOfSections = r
		}
	case "Container", "HandlerType":
		if _, ok := filetype.Parse(val); !ok {
			return errUnknownType
		}
		if key == "Container" {
			tdb.Container = val
		} else {
			tdb.HandlerType = val
		}
	case "Intermediates":
		types := strings.Split(val, ">")
		if len(types) > maxIntermediates {
			return fmt.Errorf("%w: more than %d Intermediates", ErrTDB, maxIntermediates)
		}
		for _, t := range types {
			if _, ok := filetype.Parse(t); !ok {
				return errUnknownType
			}
		}
		tdb.Intermediates = types
	case "IconGroup1":
		tdb.IconGroup1 = val
	case "IconGroup2":
		tdb.IconGroup2 = val
	default:
		return errUnknownAttr
	}
	return nil
}

// parseRange parses "a-b" (ClamAV requires both bounds).
func parseRange(key, val string) (*Range, error) {
	a, b, ok := strings.Cut(val, "-")
	lo, ok1 := parseUint(a, maxU32)
	hi, ok2 := parseUint(b, maxU32)
	if !ok || !ok1 || !ok2 {
		return nil, fmt.Errorf("%w: %s %q: want min-max", ErrTDB, key, val)
	}
	return &Range{Min: int64(lo), Max: int64(hi)}, nil
}
