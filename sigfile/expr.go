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
// '&' and '|', parentheses, and count conditions "=X", ">X", "<X", each
// optionally with ",Y", after any operand or group. PCRE triggers use the
// same syntax.
//
// Without parentheses, ClamAV splits at the first operator and evaluates
// the rest as its right operand, so "0&1|2" is 0&(1|2); we build the same
// tree. Runs of one operator become one node with all operands.
func ParseExpr(s string) (*Expr, error) {
	p := exprParser{s: s}
	e, err := p.seq(0)
	if err != nil {
		return nil, err
	}
	if p.i < len(s) {
		return nil, p.errorf("unexpected %q", s[p.i])
	}
	return e, nil
}

type exprParser struct {
	s string
	i int
}

func (p *exprParser) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: %q: "+format+" at column %d", append(append([]any{ErrLogic, p.s}, args...), p.i+1)...)
}

// seq parses operand (op operand)*.
func (p *exprParser) seq(depth int) (*Expr, error) {
	if depth > maxSubsigs {
		return nil, p.errorf("nested too deeply")
	}
	var args []*Expr
	var ops []ExprOp
	for {
		a, err := p.operand(depth)
		if err != nil {
			return nil, err
		}
		args = append(args, a)
		if p.i >= len(p.s) || (p.s[p.i] != '&' && p.s[p.i] != '|') {
			break
		}
		if p.s[p.i] == '&' {
			ops = append(ops, ExprAnd)
		} else {
			ops = append(ops, ExprOr)
		}
		p.i++
	}
	// Build right to left, so that each operator takes everything after
	// it, merging into the node built last when the operator repeats.
	node := args[len(args)-1]
	var chain *Expr
	for k := len(ops) - 1; k >= 0; k-- {
		if chain != nil && node == chain && chain.Op == ops[k] {
			chain.Args = append([]*Expr{args[k]}, chain.Args...)
			continue
		}
		chain = &Expr{Op: ops[k], Args: []*Expr{args[k], node}, Y: -1}
		node = chain
	}
	return node, nil
}

// operand parses an index or a parenthesised group, then a count.
func (p *exprParser) operand(depth int) (*Expr, error) {
	if p.i >= len(p.s) {
		return nil, p.errorf("missing operand")
	}
	var e *Expr
	switch c := p.s[p.i]; {
	case c == '(':
		p.i++
		inner, err := p.seq(depth + 1)
		if err != nil {
			return nil, err
		}
		if p.i >= len(p.s) || p.s[p.i] != ')' {
			return nil, p.errorf("missing ')'")
		}
		p.i++
		e = inner // parentheses only group; "(0)" is 0

	case c >= '0' && c <= '9':
		n, err := p.number()
		if err != nil {
			return nil, err
		}
		if n >= maxSubsigs {
			return nil, p.errorf("subsignature index %d is not below %d", n, maxSubsigs)
		}
		e = &Expr{Op: ExprSub, Index: n, Y: -1}
	default:
		return nil, p.errorf("unexpected %q", c)
	}
	if p.i < len(p.s) {
		var op CountOp
		switch p.s[p.i] {
		case '=':
			op = CountEq
		case '>':
			op = CountGt
		case '<':
			op = CountLt
		}
		if op != CountNone {
			if e.Count != CountNone {
				// "(0>1)=2": the inner count stays on its own
				// node; the outer one counts that subtree.
				e = &Expr{Op: ExprAnd, Args: []*Expr{e}, Y: -1}
			}
			p.i++
			x, err := p.number()
			if err != nil {
				return nil, err
			}
			e.Count, e.X = op, x
			if p.i < len(p.s) && p.s[p.i] == ',' {
				p.i++
				if e.Y, err = p.number(); err != nil {
					return nil, err
				}
			}
		}
	}
	return e, nil
}

func (p *exprParser) number() (int, error) {
	j := p.i
	for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
		j++
	}
	v, ok := parseUint(p.s[p.i:j], maxU32>>1)
	if !ok {
		return 0, p.errorf("want a decimal number")
	}
	p.i = j
	return int(v), nil
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
