package sigfile

import "fmt"

// maxLDBFields bounds the fields we split a logical signature into: name,
// TDB, expression and up to 64 subsignatures, plus one so that a line with
// too many is reported as such.
const maxLDBFields = 3 + maxSubsigs + 1

// parseLDB parses NAME;TDB;EXPR;SUB0[;SUB1...].
func parseLDB(line string) (Entry, error) {
	var buf [maxLDBFields]string
	f, ok := splitLDB(line, buf[:])
	if !ok {
		return Entry{}, fmt.Errorf("%w: more than %d subsignatures", ErrFields, maxSubsigs)
	}
	if len(f) < 4 {
		return Entry{}, fmt.Errorf("%w: want NAME;TDB;EXPR;SUB0[;SUB1...]", ErrFields)
	}
	if f[0] == "" {
		return Entry{}, fmt.Errorf("%w: empty name", ErrName)
	}
	sig := &LogicalSig{Name: f[0], ExprText: f[2]}
	expr, err := ParseExpr(f[2])
	if err != nil {
		return Entry{}, err
	}
	sig.Expr = expr
	subs := f[3:]
	if want := expr.MaxIndex() + 1; want != len(subs) {
		return Entry{}, fmt.Errorf("%w: expression uses %d subsignatures, line has %d", ErrLogic, want, len(subs))
	}
	tdb, skip, err := parseTDB(f[1])
	if err != nil {
		return Entry{}, err
	}
	sig.TDB = tdb
	sig.Subs = make([]SubSig, len(subs))
	for i, raw := range subs {
		sub, err := parseSub(raw, i, tdb.Target)
		if err != nil {
			if skip == "" {
				return Entry{}, fmt.Errorf("subsignature %d: %w", i, err)
			}
			// ClamAV never reads the subsignatures of a skipped line.
			sub = SubSig{Kind: classifySub(raw), Raw: raw, Offset: Offset{Kind: OffAny, MaxShift: NoShift}}
		}
		sig.Subs[i] = sub
	}
	return Entry{Kind: KindLDB, Logical: sig, Skip: skip}, nil
}

// splitLDB splits at ';' into buf, except inside /.../ from the third field
// on: ClamAV's tokenizer lets a PCRE contain ';' that way (the documented
// spelling is \x3B). A '/' preceded by '\' does not count.
func splitLDB(s string, buf []string) ([]string, bool) {
	n, in, start := 0, false, 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == ';' && !in:
			if n == len(buf)-1 {
				return nil, false
			}
			buf[n] = s[start:i]
			n++
			start = i + 1
		case s[i] == '/' && n >= 2 && i > 0 && s[i-1] != '\\':
			in = !in
		}
	}
	buf[n] = s[start:]
	return buf[:n+1], true
}
