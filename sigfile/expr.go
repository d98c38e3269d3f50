package sigfile

import (
	"fmt"
	"strconv"
	"strings"
)

// maxSubsigs is the largest number of subsignatures in a logical
// signature (MAX_LDB_SUBSIGS).
const maxSubsigs = 64

// ParseExpr parses a logical expression: subsignature indexes joined by
// '&' and '|', parentheses, and count conditions "=X", ">X", "<X" after an
// index, or after a parenthesised group with optional ",Y". PCRE triggers
// use the same syntax.
//
// The tree is the one ClamAV's evaluator (cli_ac_chklsig) reads, which is
// not an operator-precedence grammar:
//   - Outside parentheses the expression splits at its first operator and
//     the rest is the right operand: "0&1|2" is 0&(1|2).
//   - A parenthesised group splits at its last operator: "(0&1|2)" is
//     (0&1)|2, and only such a group takes a count, "(0|1)>2,1".
//   - A count after an index takes the last comparison sign before its
//     number ("0==9" is 0=9, "0>=9" is 0=9 too), and ",Y" after it is
//     read and ignored, as ClamAV ignores it ("0=2," is 0=2).
//   - "(0)" and "(0>1)" are 0 and 0>1; a count after a group without an
//     operator ("(0)>1") is an error, as in ClamAV.
//
// Where ClamAV's scanf would read past junk (" 1", "1x", "(0|1)>2,3,4"),
// we accept only the last form: digits and commas after a group's count.
// Runs of one operator become one node with all operands.
func ParseExpr(s string) (*Expr, error) {
	p := exprParser{s: s}
	return p.parse(0, len(s), 0)
}

type exprParser struct {
	s string
}

func (p *exprParser) errorf(at int, format string, args ...any) error {
	return fmt.Errorf("%w: %q: "+format+" at column %d", append(append([]any{ErrLogic, p.s}, args...), at+1)...)
}

// scan walks s[a:b] and returns the first operator outside parentheses and
// the last one directly inside the outermost ones (-1 when none).
func (p *exprParser) scan(a, b int) (top, inner int, err error) {
	top, inner = -1, -1
	depth := 0
	for i := a; i < b; i++ {
		switch c := p.s[i]; c {
		case '(':
			depth++
		case ')':
			if depth == 0 {
				return 0, 0, p.errorf(i, "')' without '('")
			}
			depth--
		case '&', '|':
			switch depth {
			case 0:
				return i, inner, nil
			case 1:
				inner = i
			}
		}
	}
	if depth != 0 {
		return 0, 0, p.errorf(b, "missing ')'")
	}
	return -1, inner, nil
}

func (p *exprParser) parse(a, b, depth int) (*Expr, error) {
	if depth > maxSubsigs {
		return nil, p.errorf(a, "nested too deeply")
	}
	if a >= b {
		return nil, p.errorf(a, "missing operand")
	}
	top, inner, err := p.scan(a, b)
	if err != nil {
		return nil, err
	}
	switch {
	case top >= 0:
		return p.join(a, top, b, depth, nil)
	case inner >= 0:
		// "(L op R)" and an optional count: find the ')' that closes.
		end := p.closing(a)
		if p.s[a] != '(' || end < 0 || inner > end {
			return nil, p.errorf(a, "an operator inside a group needs the group to be one parenthesised operand")
		}
		cnt := &Expr{Y: -1}
		if end+1 < b {
			if err := p.groupCount(end+1, b, cnt); err != nil {
				return nil, err
			}
		}
		return p.join(a+1, inner, end, depth, cnt)
	case p.s[a] == '(':
		if p.s[b-1] != ')' {
			return nil, p.errorf(b-1, "a count after a group needs an operator inside the group")
		}
		return p.parse(a+1, b-1, depth+1)
	}
	return p.leaf(a, b)
}

// closing returns the index of the ')' matching the '(' at a, or -1.
func (p *exprParser) closing(a int) int {
	depth := 0
	for i := a; i < len(p.s); i++ {
		switch p.s[i] {
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				return i
			}
		}
	}
	return -1
}

// join builds s[a:op] OP s[op+1:b], merging operands of the same operator
// that carry no count of their own; cnt, when not nil, is the group's count.
func (p *exprParser) join(a, op, b, depth int, cnt *Expr) (*Expr, error) {
	if op == a {
		return nil, p.errorf(op, "missing left operand")
	}
	if op+1 == b {
		return nil, p.errorf(op, "missing right operand")
	}
	l, err := p.parse(a, op, depth+1)
	if err != nil {
		return nil, err
	}
	r, err := p.parse(op+1, b, depth+1)
	if err != nil {
		return nil, err
	}
	kind := ExprAnd
	if p.s[op] == '|' {
		kind = ExprOr
	}
	e := &Expr{Op: kind, Y: -1}
	for _, x := range []*Expr{l, r} {
		if x.Op == kind && x.Count == CountNone {
			e.Args = append(e.Args, x.Args...)
		} else {
			e.Args = append(e.Args, x)
		}
	}
	if cnt != nil {
		e.Count, e.X, e.Y = cnt.Count, cnt.X, cnt.Y
	}
	return e, nil
}

// groupCount reads a group's count s[a:b]: one comparison sign, X, and
// optionally ",Y"; more digits and commas after that are ignored.
func (p *exprParser) groupCount(a, b int, e *Expr) error {
	e.Count = countOp(p.s[a])
	if e.Count == CountNone {
		return p.errorf(a, "unexpected %q after a group", p.s[a])
	}
	i := a + 1
	x, j, ok := p.digits(i, b)
	if !ok {
		return p.errorf(i, "want a decimal number")
	}
	e.X, i = x, j
	if i < b && p.s[i] == ',' {
		if y, j, ok := p.digits(i+1, b); ok {
			e.Y, i = y, j
		} else {
			i++
		}
		if e.Y == 0 {
			e.Y = -1 // ",0" and "," ask for nothing
		}
	}
	for ; i < b; i++ {
		if c := p.s[i]; c != ',' && (c < '0' || c > '9') {
			return p.errorf(i, "unexpected %q after a count", c)
		}
	}
	return nil
}

// leaf reads INDEX, optionally followed by comparison signs (the last one
// counts), X and an ignored ",Y".
func (p *exprParser) leaf(a, b int) (*Expr, error) {
	n, i, ok := p.digits(a, b)
	if !ok {
		return nil, p.errorf(a, "want a subsignature index")
	}
	if n >= maxSubsigs {
		return nil, p.errorf(a, "subsignature index %d is not below %d", n, maxSubsigs)
	}
	e := &Expr{Op: ExprSub, Index: n, Y: -1}
	if i == b {
		return e, nil
	}
	for ; i < b && countOp(p.s[i]) != CountNone; i++ {
		e.Count = countOp(p.s[i])
	}
	if e.Count == CountNone {
		return nil, p.errorf(i, "unexpected %q", p.s[i])
	}
	x, j, ok := p.digits(i, b)
	if !ok {
		return nil, p.errorf(i, "want a decimal number")
	}
	e.X, i = x, j
	if i < b && p.s[i] == ',' {
		if _, j, ok := p.digits(i+1, b); ok {
			i = j
		} else {
			i++
		}
	}
	if i < b {
		return nil, p.errorf(i, "unexpected %q", p.s[i])
	}
	return e, nil
}

func countOp(c byte) CountOp {
	switch c {
	case '=':
		return CountEq
	case '>':
		return CountGt
	case '<':
		return CountLt
	}
	return CountNone
}

// digits reads a decimal number at s[i:b] that fits ClamAV's unsigned int.
func (p *exprParser) digits(i, b int) (int, int, bool) {
	j := i
	for j < b && p.s[j] >= '0' && p.s[j] <= '9' {
		j++
	}
	v, ok := parseUint(p.s[i:j], maxU32>>1)
	return int(v), j, ok
}

// MaxIndex returns the highest subsignature index in the expression, or
// -1 when there is none.
func (e *Expr) MaxIndex() int {
	if e == nil {
		return -1
	}
	if e.Op == ExprSub {
		return e.Index
	}
	m := -1
	for _, a := range e.Args {
		m = max(m, a.MaxIndex())
	}
	return m
}

// String returns the expression in signature syntax, with parentheses
// around every group.
func (e *Expr) String() string {
	var b strings.Builder
	e.write(&b, true)
	return b.String()
}

func (e *Expr) write(b *strings.Builder, top bool) {
	if e == nil {
		return
	}
	if e.Op == ExprSub {
		b.WriteString(strconv.Itoa(e.Index))
	} else {
		paren := !top || e.Count != CountNone
		if paren {
			b.WriteByte('(')
		}
		for i, a := range e.Args {
			if i > 0 {
				if e.Op == ExprAnd {
					b.WriteByte('&')
				} else {
					b.WriteByte('|')
				}
			}
			a.write(b, false)
		}
		if paren {
			b.WriteByte(')')
		}
	}
	switch e.Count {
	case CountEq:
		b.WriteByte('=')
	case CountGt:
		b.WriteByte('>')
	case CountLt:
		b.WriteByte('<')
	default:
		return
	}
	b.WriteString(strconv.Itoa(e.X))
	if e.Y >= 0 {
		b.WriteByte(',')
		b.WriteString(strconv.Itoa(e.Y))
	}
}
