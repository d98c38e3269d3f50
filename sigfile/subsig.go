package sigfile

import (
	"fmt"
	"strconv"
	"strings"
)

// PCREBypass is the trigger ClamAV treats as "always run" (PCRE_BYPASS).
const PCREBypass = "7374756c747a676574737265676578"

// pcreFlags are the PCRE subsignature flags: ClamAV's g, r, e and the
// compile options i, s, m, x, A, E, U.
const pcreFlags = "greismxAEU"

// Byte compare limits (matcher-byte-comp.h).
const (
	bcompMaxBin = 8
	bcompMaxHex = 18
)

// classifySub tells the subsignature kinds apart in ClamAV's order.
func classifySub(raw string) SubKind {
	switch {
	case strings.HasPrefix(raw, "$"):
		return SubMacro
	case strings.IndexByte(raw, '/') >= 0:
		return SubPCRE
	case strings.IndexByte(raw, '(') >= 0 && strings.Count(raw, "#") >= 2:
		return SubByteCmp
	case strings.HasPrefix(raw, "fuzzy_img#"):
		return SubFuzzyImg
	}
	return SubBody
}

// parseSub parses subsignature index of a logical signature for target.
func parseSub(raw string, index, target int) (SubSig, error) {
	sub := SubSig{Kind: classifySub(raw), Raw: raw, Offset: Offset{Kind: OffAny, MaxShift: NoShift}}
	var err error
	switch sub.Kind {
	case SubMacro:
		err = sub.parseMacro(raw)
	case SubPCRE:
		err = sub.parsePCRE(raw, index, target)
	case SubByteCmp:
		err = checkByteCmp(raw)
	case SubFuzzyImg:
		err = checkFuzzy(raw)
	default:
		err = sub.parseBody(raw, target)
	}
	return sub, err
}

// splitSub splits at ':' outside /.../, as ClamAV's tokenizer does for
// subsignatures (a '/' preceded by '\' does not count).
func splitSub(s string) []string {
	var out []string
	in, start := false, 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == ':' && !in:
			out = append(out, s[start:i])
			start = i + 1
		case s[i] == '/' && i > 0 && s[i-1] != '\\':
			in = !in
		}
	}
	return append(out, s[start:])
}

// parseBody parses [OFFSET:]HEX[::MODS] as ClamAV's loader reads it: it
// cuts the field at ':' into at most five tokens and takes an odd count as
// HEX first, an even one as OFFSET first; with three or four tokens the
// last is MODS and the one before it is not looked at; with five (a
// subsignature with more colons, such as main.ldb:21292's
// "HEX::i*HEX::i*HEX::i") only the first token counts, without
// modifiers.
func (sub *SubSig) parseBody(raw string, target int) error {
	f := splitSub(raw)
	var off, mods string
	switch len(f) {
	case 1:
		sub.Hex = f[0]
	case 2:
		off, sub.Hex = f[0], f[1]
	case 3:
		sub.Hex, mods = f[0], f[2]
	case 4:
		off, sub.Hex, mods = f[0], f[1], f[3]
	default:
		sub.Hex = f[0]
	}
	if err := sub.parseOffset(off, target); err != nil {
		return err
	}
	for i := 0; i < len(mods); i++ {
		switch mods[i] {
		case 'i':
			sub.NoCase = true
		case 'w':
			sub.Wide = true
		case 'f':
			sub.FullWord = true
		case 'a':
			sub.ASCII = true
		default:
			return fmt.Errorf("%w: unknown modifier %q", ErrSubsig, mods[i])
		}
	}
	p, err := ParsePattern(sub.Hex)
	if err != nil {
		return err
	}
	// With a modifier ClamAV treats every alternative as generic, and
	// generic alternatives cannot be negated.
	if mods != "" {
		for _, part := range p.Parts {
			for _, e := range part {
				if e.Kind == ElemAlt && e.Negate {
					return fmt.Errorf("%w: negated alternatives cannot take modifiers", ErrPattern)
				}
			}
		}
	}
	sub.Pattern = p
	return nil
}

func (sub *SubSig) parseOffset(off string, target int) error {
	if off == "" {
		return nil
	}
	o, err := ParseOffset(off)
	if err == nil {
		err = o.checkTarget(target)
	}
	if err != nil {
		return err
	}
	sub.Offset = o
	return nil
}

// parsePCRE parses [OFFSET:]TRIGGER/REGEX/[FLAGS]. The regex is kept as
// written (including "\x3B" for ';'); it is not compiled here.
func (sub *SubSig) parsePCRE(raw string, index, target int) error {
	// As ClamAV's loader: two fields are OFFSET and the rest; with any
	// other count the first field is all it reads.
	f := splitSub(raw)
	sig := f[0]
	if len(f) == 2 {
		if err := sub.parseOffset(f[0], target); err != nil {
			return err
		}
		sig = f[1]
	}
	first, last := strings.IndexByte(sig, '/'), strings.LastIndexByte(sig, '/')
	if first == last {
		return fmt.Errorf("%w: PCRE needs /REGEX/", ErrSubsig)
	}
	sub.Trigger, sub.Regex, sub.Flags = sig[:first], sig[first+1:last], sig[last+1:]
	if sub.Trigger == "" {
		return fmt.Errorf("%w: PCRE without trigger", ErrSubsig)
	}
	if sub.Regex == "" {
		return fmt.Errorf("%w: empty PCRE", ErrSubsig)
	}
	for i := 0; i < len(sub.Flags); i++ {
		if strings.IndexByte(pcreFlags, sub.Flags[i]) < 0 {
			return fmt.Errorf("%w: unknown PCRE flag %q", ErrSubsig, sub.Flags[i])
		}
	}
	if sub.Trigger == PCREBypass {
		return nil
	}
	t, err := ParseExpr(sub.Trigger)
	if err != nil {
		return fmt.Errorf("PCRE trigger: %w", err)
	}
	sub.TriggerExpr = t
	if m := t.MaxIndex(); m >= index {
		return fmt.Errorf("%w: PCRE trigger refers to subsignature %d, not before this one (%d)", ErrSubsig, m, index)
	}
	return nil
}

// parseMacro parses ${min-max}group$.
func (sub *SubSig) parseMacro(raw string) error {
	bad := fmt.Errorf("%w: macro %q: want ${min-max}group$", ErrSubsig, raw)
	rest, ok := strings.CutPrefix(raw, "${")
	if !ok || !strings.HasSuffix(rest, "$") {
		return bad
	}
	rng, group, ok := strings.Cut(rest[:len(rest)-1], "}")
	lo, hi, ok2 := strings.Cut(rng, "-")
	a, ok3 := parseUint(lo, maxU32>>1)
	b, ok4 := parseUint(hi, maxU32>>1)
	g, ok5 := parseUint(group, maxU32)
	if !ok || !ok2 || !ok3 || !ok4 || !ok5 {
		return bad
	}
	if g >= maxMacroGroups {
		return fmt.Errorf("%w: macro group %d is not below %d", ErrSubsig, g, maxMacroGroups)
	}
	sub.MacroMin, sub.MacroMax, sub.MacroGroup = int(a), int(b), int(g)
	return nil
}

// checkByteCmp validates N(<<OFF#OPTS#CMP[,CMP]) or N(>>OFF#...).
func checkByteCmp(raw string) error {
	bad := func(what string) error {
		return fmt.Errorf("%w: byte compare %q: %s", ErrSubsig, raw, what)
	}
	ref, rest, ok := strings.Cut(raw, "(")
	if v, okRef := parseUint(ref, maxU32); !ok || !okRef || v >= maxSubsigs {
		return bad("want a subsignature index before '('")
	}
	if !strings.HasSuffix(rest, ")") {
		return bad("want ')' at the end")
	}
	f := strings.Split(rest[:len(rest)-1], "#")
	if len(f) != 3 {
		return bad("want OFFSET#OPTIONS#COMPARISONS")
	}
	if off := f[0]; off != "0" && off != "" {
		if !strings.HasPrefix(off, ">>") && !strings.HasPrefix(off, "<<") {
			return bad("offset must start with >> or <<")
		}
		if _, ok := parseCNumber(off[2:]); !ok {
			return bad("bad offset")
		}
	}
	opts := f[1]
	j := 0
	var enc, endian byte
	for ; j < len(opts) && (opts[j] < '0' || opts[j] > '9'); j++ {
		switch c := opts[j]; c {
		case 'h', 'd', 'a', 'i':
			if enc != 0 || (c == 'd' && endian == 'l') {
				return bad("conflicting options")
			}
			enc = c
		case 'l', 'b':
			if endian != 0 || (c == 'l' && enc == 'd') {
				return bad("conflicting options")
			}
			endian = c
		case 'e':
		default:
			return bad(fmt.Sprintf("unknown option %q", c))
		}
	}
	n, ok := parseCNumber(opts[j:])
	switch {
	case !ok || n == 0:
		return bad("bad byte length")
	case enc == 'i' && (n > bcompMaxBin || bcompMaxBin%n != 0):
		return bad("raw byte length must be 1, 2, 4 or 8")
	case enc == 'h' && n > bcompMaxHex:
		return bad(fmt.Sprintf("hex byte length above %d", bcompMaxHex))
	}
	cmps := strings.Split(f[2], ",")
	if len(cmps) > 2 {
		return bad("at most two comparisons")
	}
	for _, c := range cmps {
		if c == "" || strings.IndexByte("<>=", c[0]) < 0 {
			return bad("comparison must start with <, > or =")
		}
		if _, ok := parseCNumber(c[1:]); !ok {
			return bad("bad comparison value")
		}
	}
	return nil
}

// parseCNumber parses an unsigned decimal or 0x-prefixed hex number, the
// forms byte compare subsignatures use.
func parseCNumber(s string) (uint64, bool) {
	if h, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok {
		v, err := strconv.ParseUint(h, 16, 64)
		return v, err == nil && h != "" && h[0] != '+'
	}
	return parseUint(s, 1<<63-1)
}

// checkFuzzy validates fuzzy_img#HASH[#DIST]: 16 hex digits, and a
// distance that ClamAV only accepts as 0.
func checkFuzzy(raw string) error {
	f := strings.Split(strings.TrimPrefix(raw, "fuzzy_img#"), "#")
	if len(f) > 2 || len(f[0]) != 16 {
		return fmt.Errorf("%w: fuzzy image hash %q: want fuzzy_img#<16 hex digits>[#0]", ErrSubsig, raw)
	}
	var b [8]byte
	if !decodeHex(b[:], f[0]) {
		return fmt.Errorf("%w: fuzzy image hash %q is not hex", ErrSubsig, f[0])
	}
	if len(f) == 2 {
		if d, ok := parseUint(f[1], maxU32); !ok || d != 0 {
			return fmt.Errorf("%w: fuzzy image hash distance %q: only 0 is supported", ErrSubsig, f[1])
		}
	}
	return nil
}
