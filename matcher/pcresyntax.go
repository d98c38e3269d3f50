package matcher

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// PCRE subsignatures are compiled by ClamAV with PCRE2, on bytes (no UTF
// mode) and with PCRE2's built-in character tables, which are those of
// the C locale. We run them with regexp2 (a backtracking engine with
// .NET and Perl syntax) on the content's bytes as runes 0-255, and first
// rewrite the pattern so that what PCRE2 means is what regexp2 does:
//   - \w \d \s \b and their negations, and every character class, are
//     ASCII as in the C locale (regexp2's own are Unicode: \w would take
//     é, \s U+0085);
//   - with the i flag only ASCII letters fold: classes and literals are
//     written out case by case and matched case-sensitively; only
//     backreferences fold under regexp2's IgnoreCase;
//   - Python-style names (?P<n>...) and (?P=n) become (?<n>...) and
//     \k<n>; groups are numbered left to right, named or not, as in PCRE;
//   - \xh and \xhh are one byte; the U flag swaps greediness;
//   - $ under the E flag (dollar end only) is the very end.
// Constructs regexp2 reads otherwise, or PCRE features it lacks (inline
// option changes, recursion, \K, callouts, conditionals, POSIX classes,
// \Q..\E, \p), are refused, and the signature is counted as not
// evaluated.
//
// The same translator writes a pattern in Go's regexp/syntax that matches
// wherever the PCRE does (dialectWider), from which pcrelit.go reads the
// literals every match contains; it is never run.

// pcreFlags are the compile options of a PCRE subsignature.
type pcreFlags struct {
	caseless, dotall, multiline, extended, anchored, dollarEnd, ungreedy bool
	global, rolling, encompass                                           bool
}

func parsePCREFlags(s string) (pcreFlags, error) {
	var f pcreFlags
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 'i':
			f.caseless = true
		case 's':
			f.dotall = true
		case 'm':
			f.multiline = true
		case 'x':
			f.extended = true
		case 'A':
			f.anchored = true
		case 'E':
			f.dollarEnd = true
		case 'U':
			f.ungreedy = true
		case 'g':
			f.global = true
		case 'r':
			f.rolling = true
		case 'e':
			f.encompass = true
		default:
			return f, fmt.Errorf("unknown PCRE flag %q", s[i])
		}
	}
	return f, nil
}

var errPCRESyntax = errors.New("PCRE construct not supported")

// bset is a set of bytes.
type bset [4]uint64

func (s *bset) add(b byte)      { s[b>>6] |= 1 << (b & 63) }
func (s *bset) has(b byte) bool { return s[b>>6]>>(b&63)&1 != 0 }
func (s *bset) addRange(lo, hi byte) {
	for c := int(lo); c <= int(hi); c++ {
		s.add(byte(c))
	}
}
func (s *bset) union(o bset) {
	for i := range s {
		s[i] |= o[i]
	}
}
func (s bset) not() bset {
	for i := range s {
		s[i] = ^s[i]
	}
	return s
}

// foldASCII adds the other case of every ASCII letter in s.
func (s *bset) foldASCII() {
	for c := byte('a'); c <= 'z'; c++ {
		if s.has(c) || s.has(c-32) {
			s.add(c)
			s.add(c - 32)
		}
	}
}

// The C locale's classes.
var (
	classDigit = func() (s bset) { s.addRange('0', '9'); return }()
	classWord  = func() (s bset) {
		s.addRange('0', '9')
		s.addRange('A', 'Z')
		s.addRange('a', 'z')
		s.add('_')
		return
	}()
	classSpace = func() (s bset) {
		for _, c := range []byte("\t\n\v\f\r ") {
			s.add(c)
		}
		return
	}()
)

// wordBoundary is \b in ASCII terms, and notWordBoundary \B.
const (
	wordChars       = `[0-9A-Za-z_]`
	wordBoundary    = `(?:(?<=` + wordChars + `)(?!` + wordChars + `)|(?<!` + wordChars + `)(?=` + wordChars + `))`
	notWordBoundary = `(?:(?<=` + wordChars + `)(?=` + wordChars + `)|(?<!` + wordChars + `)(?!` + wordChars + `))`
)

// dialect is the syntax a pattern is rewritten into.
type dialect uint8

const (
	// dialectRegexp2 is regexp2's, for running the pattern.
	dialectRegexp2 dialect = iota
	// dialectWider is Go's regexp/syntax, for a pattern that matches
	// wherever the PCRE matches, and maybe elsewhere too: backreferences
	// become any bytes, lookaround and assertions Go lacks match the
	// empty string, atomic groups and possessive quantifiers backtrack,
	// and counts over Go's limit are lowered. What it requires of every
	// match, the PCRE requires too (pcrelit.go).
	dialectWider
)

// pcreTranslator rewrites one pattern.
type pcreTranslator struct {
	s   string
	i   int
	f   pcreFlags
	d   dialect
	out strings.Builder
	// groups holds, for each open group, where the output of a
	// lookaround began (dialectWider drops it), or -1.
	groups []int
}

// translatePCRE returns the regexp2 form of a PCRE2 pattern compiled with
// flags f.
func translatePCRE(pattern string, f pcreFlags) (string, error) {
	return translateTo(pattern, f, dialectRegexp2)
}

func translateTo(pattern string, f pcreFlags, d dialect) (string, error) {
	t := pcreTranslator{s: pattern, f: f, d: d}
	if d == dialectWider {
		switch {
		case f.dotall && f.multiline:
			t.out.WriteString("(?sm)")
		case f.dotall:
			t.out.WriteString("(?s)")
		case f.multiline:
			t.out.WriteString("(?m)")
		}
	}
	if err := t.run(); err != nil {
		return "", fmt.Errorf("%w: /%s/: %v", errPCRESyntax, pattern, err)
	}
	return t.out.String(), nil
}

// anyBytes stands, in dialectWider, for what a backreference matches.
const anyBytes = `(?s:.*)`

func (t *pcreTranslator) run() error {
	for t.i < len(t.s) {
		c := t.s[t.i]
		switch {
		case c == '\\':
			if err := t.escape(); err != nil {
				return err
			}
		case c == '[':
			set, err := t.class()
			if err != nil {
				return err
			}
			t.emitSet(set)
		case c == '(':
			if err := t.group(); err != nil {
				return err
			}
		case c == '*' || c == '+' || c == '?' || (c == '{' && t.quantBrace()):
			t.quantifier()
		case c == '$':
			t.i++
			switch {
			case t.f.dollarEnd && !t.f.multiline:
				t.out.WriteString(`\z`)
			case t.d == dialectWider && !t.f.multiline:
				// Go's $ is the very end; PCRE's also before a final
				// newline.
				t.out.WriteString(`(?:)`)
			default:
				t.out.WriteByte('$')
			}
		case c == ')':
			t.i++
			t.closeGroup()
		case c == '.' || c == '^' || c == '|':
			t.out.WriteByte(c)
			t.i++
		case t.f.extended && (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'):
			t.i++ // ignored in extended mode
		case t.f.extended && c == '#':
			for t.i < len(t.s) && t.s[t.i] != '\n' {
				t.i++
			}
		default:
			t.i++
			t.literal(c)
		}
	}
	return nil
}

// literal emits one byte to match as such (folded by the i flag).
func (t *pcreTranslator) literal(b byte) {
	var set bset
	set.add(b)
	t.emitSet(set)
}

// emitSet writes a set of bytes as one atom, folding ASCII letters under
// the i flag, and never folding anything else.
func (t *pcreTranslator) emitSet(set bset) {
	if t.f.caseless {
		set.foldASCII()
	}
	n, only := 0, byte(0)
	for c := 0; c < 256; c++ {
		if set.has(byte(c)) {
			n, only = n+1, byte(c)
		}
	}
	// regexp2's own folding would also fold Latin-1 letters, which PCRE
	// with the C locale's tables does not: sets are matched exactly.
	if t.f.caseless && t.d == dialectRegexp2 {
		t.out.WriteString("(?-i:")
		defer t.out.WriteByte(')')
	}
	if n == 1 {
		fmt.Fprintf(&t.out, `\x%02x`, only)
		return
	}
	if n == 0 {
		t.out.WriteString(`[^\x00-\xff]`)
		return
	}
	t.out.WriteByte('[')
	for c := 0; c < 256; {
		if !set.has(byte(c)) {
			c++
			continue
		}
		e := c
		for e+1 < 256 && set.has(byte(e+1)) {
			e++
		}
		if e == c {
			fmt.Fprintf(&t.out, `\x%02x`, c)
		} else {
			fmt.Fprintf(&t.out, `\x%02x-\x%02x`, c, e)
		}
		c = e + 1
	}
	t.out.WriteByte(']')
}

// escape handles a backslash sequence outside a class.
func (t *pcreTranslator) escape() error {
	if t.i+1 >= len(t.s) {
		return errors.New("trailing backslash")
	}
	c := t.s[t.i+1]
	switch c {
	case 'b', 'B':
		t.i += 2
		switch {
		case t.d == dialectWider:
			t.out.WriteString(`\` + string(c)) // Go's \b is ASCII, as PCRE's in the C locale
		case c == 'b':
			t.out.WriteString(wordBoundary)
		default:
			t.out.WriteString(notWordBoundary)
		}
		return nil
	case 'A', 'z', 'Z', 'G':
		t.i += 2
		if t.d == dialectWider && (c == 'Z' || c == 'G') {
			t.out.WriteString(`(?:)`)
			return nil
		}
		t.out.WriteByte('\\')
		t.out.WriteByte(c)
		return nil
	}
	if c >= '1' && c <= '9' {
		j := t.i + 1
		for j < len(t.s) && t.s[j] >= '0' && t.s[j] <= '9' {
			j++
		}
		if t.d == dialectWider {
			t.out.WriteString(anyBytes)
		} else {
			t.out.WriteString(t.s[t.i:j])
		}
		t.i = j
		return nil
	}
	set, err := t.escapeSet(false)
	if err != nil {
		return err
	}
	t.emitSet(set)
	return nil
}

// escapeSet reads an escape that stands for bytes (inside a class when
// inClass, where \b is the backspace) and returns them.
func (t *pcreTranslator) escapeSet(inClass bool) (bset, error) {
	var set bset
	c := t.s[t.i+1]
	t.i += 2
	switch c {
	case 'w':
		return classWord, nil
	case 'W':
		return classWord.not(), nil
	case 'd':
		return classDigit, nil
	case 'D':
		return classDigit.not(), nil
	case 's':
		return classSpace, nil
	case 'S':
		return classSpace.not(), nil
	case 'x':
		if t.i < len(t.s) && t.s[t.i] == '{' {
			return set, errors.New(`\x{...}`)
		}
		j := t.i
		for j < len(t.s) && j < t.i+2 && isHexDigit(t.s[j]) {
			j++
		}
		v := uint64(0)
		if j > t.i {
			v, _ = strconv.ParseUint(t.s[t.i:j], 16, 8)
		}
		t.i = j
		set.add(byte(v))
	case 'n':
		set.add('\n')
	case 'r':
		set.add('\r')
	case 't':
		set.add('\t')
	case 'f':
		set.add('\f')
	case 'v':
		set.add('\v')
	case 'a':
		set.add(7)
	case 'e':
		set.add(0x1b)
	case '0', '1', '2', '3', '4', '5', '6', '7':
		// Octal: \0 and up to two more digits; in a class, where there
		// are no backreferences, \1 to \7 start one too.
		if c != '0' && !inClass {
			return set, fmt.Errorf(`\%c`, c)
		}
		v, j := int(c-'0'), t.i
		for j < len(t.s) && j < t.i+2 && t.s[j] >= '0' && t.s[j] <= '7' {
			v = v*8 + int(t.s[j]-'0')
			j++
		}
		t.i = j
		set.add(byte(v))
	case 'b':
		if !inClass {
			return set, errors.New(`\b`)
		}
		set.add(8)
	default:
		if isAlnum(c) {
			// \K, \Q, \p, \h, \R, \c, octal and the like.
			return set, fmt.Errorf(`\%c`, c)
		}
		set.add(c) // an escaped punctuation character is itself
	}
	return set, nil
}

func isHexDigit(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

// class reads a bracket expression into the set of bytes it matches.
func (t *pcreTranslator) class() (bset, error) {
	var set bset
	t.i++ // '['
	negate := false
	if t.i < len(t.s) && t.s[t.i] == '^' {
		negate = true
		t.i++
	}
	first := true
	for {
		if t.i >= len(t.s) {
			return set, errors.New("'[' without ']'")
		}
		c := t.s[t.i]
		if c == ']' && !first {
			t.i++
			break
		}
		if c == '[' && t.i+1 < len(t.s) && (t.s[t.i+1] == ':' || t.s[t.i+1] == '.' || t.s[t.i+1] == '=') {
			return set, errors.New("POSIX class")
		}
		first = false
		lo, single, err := t.classAtom()
		if err != nil {
			return set, err
		}
		if !single {
			set.union(lo)
			continue
		}
		l := firstOf(lo)
		// A range, unless the '-' ends the class.
		if t.i+1 < len(t.s) && t.s[t.i] == '-' && t.s[t.i+1] != ']' {
			t.i++
			hi, single, err := t.classAtom()
			if err != nil {
				return set, err
			}
			if !single {
				return set, errors.New("class escape as a range end")
			}
			h := firstOf(hi)
			if h < l {
				return set, errors.New("range out of order")
			}
			set.addRange(l, h)
			continue
		}
		set.add(l)
	}
	if t.f.caseless {
		set.foldASCII() // before negation, as PCRE folds the members
	}
	if negate {
		set = set.not()
	}
	return set, nil
}

// classAtom reads one member of a class: a byte (single) or an escape
// that stands for several.
func (t *pcreTranslator) classAtom() (bset, bool, error) {
	if t.s[t.i] != '\\' {
		var set bset
		set.add(t.s[t.i])
		t.i++
		return set, true, nil
	}
	if t.i+1 >= len(t.s) {
		return bset{}, false, errors.New("trailing backslash")
	}
	switch t.s[t.i+1] {
	case 'w', 'W', 'd', 'D', 's', 'S':
		set, err := t.escapeSet(true)
		return set, false, err
	}
	set, err := t.escapeSet(true)
	return set, true, err
}

func firstOf(s bset) byte {
	for c := 0; c < 256; c++ {
		if s.has(byte(c)) {
			return byte(c)
		}
	}
	return 0
}

// group handles "(" and what may follow it.
func (t *pcreTranslator) group() error {
	rest := t.s[t.i:]
	switch {
	case strings.HasPrefix(rest, "(?P<"):
		return t.named(4)
	case strings.HasPrefix(rest, "(?P="):
		end := strings.IndexByte(rest, ')')
		if end < 0 {
			return errors.New("(?P= without ')'")
		}
		if t.d == dialectWider {
			t.out.WriteString(anyBytes)
		} else {
			fmt.Fprintf(&t.out, `\k<%s>`, rest[4:end])
		}
		t.i += end + 1
		return nil
	case strings.HasPrefix(rest, "(?<="), strings.HasPrefix(rest, "(?<!"):
		t.openLook()
		t.out.WriteString(rest[:4])
		t.i += 4
		return nil
	case strings.HasPrefix(rest, "(?<"):
		return t.named(3)
	case strings.HasPrefix(rest, "(?="), strings.HasPrefix(rest, "(?!"):
		t.openLook()
		t.out.WriteString(rest[:3])
		t.i += 3
		return nil
	case strings.HasPrefix(rest, "(?>") && t.d == dialectWider:
		t.out.WriteString("(?:")
		t.i += 3
	case strings.HasPrefix(rest, "(?:"), strings.HasPrefix(rest, "(?>"):
		t.out.WriteString(rest[:3])
		t.i += 3
	case strings.HasPrefix(rest, "(?"):
		// Inline options, comments, recursion, conditionals, callouts.
		return fmt.Errorf("%.6s", rest)
	default:
		t.out.WriteByte('(')
		t.i++
	}
	t.groups = append(t.groups, -1)
	return nil
}

// openLook opens a lookaround group.
func (t *pcreTranslator) openLook() {
	t.groups = append(t.groups, t.out.Len())
}

// closeGroup writes the ')' of the innermost group; in dialectWider a
// lookaround is replaced by the empty string.
func (t *pcreTranslator) closeGroup() {
	n := len(t.groups)
	if n == 0 {
		t.out.WriteByte(')') // unbalanced: the compiler reports it
		return
	}
	start := t.groups[n-1]
	t.groups = t.groups[:n-1]
	if start < 0 || t.d != dialectWider {
		t.out.WriteByte(')')
		return
	}
	kept := t.out.String()[:start]
	t.out.Reset()
	t.out.WriteString(kept)
	t.out.WriteString(`(?:)`)
}

// named copies the name of a named group that starts n bytes on.
func (t *pcreTranslator) named(n int) error {
	rest := t.s[t.i+n:]
	end := strings.IndexByte(rest, '>')
	if end <= 0 {
		return errors.New("group name without '>'")
	}
	for _, c := range []byte(rest[:end]) {
		if !isAlnum(c) && c != '_' {
			return fmt.Errorf("group name %q", rest[:end])
		}
	}
	if t.d == dialectWider {
		fmt.Fprintf(&t.out, "(?P<%s>", rest[:end])
	} else {
		fmt.Fprintf(&t.out, "(?<%s>", rest[:end])
	}
	t.i += n + end + 1
	t.groups = append(t.groups, -1)
	return nil
}

// quantBrace reports whether the '{' at t.i starts a quantifier ({n},
// {n,}, {n,m}); otherwise PCRE reads it as a literal.
func (t *pcreTranslator) quantBrace() bool {
	j := t.i + 1
	d := 0
	for j < len(t.s) && t.s[j] >= '0' && t.s[j] <= '9' {
		j, d = j+1, d+1
	}
	if d == 0 || j >= len(t.s) {
		return false
	}
	if t.s[j] == '}' {
		return true
	}
	if t.s[j] != ',' {
		return false
	}
	j++
	for j < len(t.s) && t.s[j] >= '0' && t.s[j] <= '9' {
		j++
	}
	return j < len(t.s) && t.s[j] == '}'
}

// quantifier copies a quantifier, swapping its greediness under the U
// flag; a possessive '+' after it is kept.
func (t *pcreTranslator) quantifier() {
	start := t.i
	if t.s[t.i] == '{' {
		t.i = start + strings.IndexByte(t.s[start:], '}') + 1
		if t.d == dialectWider {
			t.out.WriteString(widerCount(t.s[start:t.i]))
		} else {
			t.out.WriteString(t.s[start:t.i])
		}
	} else {
		t.i++
		t.out.WriteString(t.s[start:t.i])
	}
	lazy := t.i < len(t.s) && t.s[t.i] == '?'
	possessive := t.i < len(t.s) && t.s[t.i] == '+'
	if lazy || possessive {
		t.i++
	}
	switch {
	case possessive && t.d == dialectWider:
		// backtracking into it matches more, never less
	case possessive:
		t.out.WriteByte('+')
	case lazy != t.f.ungreedy:
		t.out.WriteByte('?')
	}
}

// goMaxCount is the largest count Go's regexp/syntax takes in {n,m}.
const goMaxCount = 1000

// widerCount rewrites a count {n}, {n,} or {n,m} so that Go accepts it and
// it allows at least what it allowed: a bound over Go's limit is lowered
// to it, an upper one dropped.
func widerCount(q string) string {
	lo, hi, comma := strings.Cut(q[1:len(q)-1], ",")
	n, _ := strconv.Atoi(lo) // out of range: the largest int
	m := n
	switch {
	case comma && hi == "":
		m = -1 // unbounded
	case comma:
		m, _ = strconv.Atoi(hi)
	}
	if n <= goMaxCount && m <= goMaxCount {
		return q
	}
	n = min(n, goMaxCount)
	if m < 0 || m > goMaxCount {
		return fmt.Sprintf("{%d,}", n)
	}
	return fmt.Sprintf("{%d,%d}", n, m)
}
