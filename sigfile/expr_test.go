package sigfile

import (
	"errors"
	"testing"
)

func TestParseExpr(t *testing.T) {
	tests := []struct{ in, tree, str string }{
		{"0", "0", "0"},
		{"(0)", "0", "0"},
		{"((0))", "0", "0"},
		{"0&1&2", "and(0 1 2)", "0&1&2"},
		{"0|1", "or(0 1)", "0|1"},
		// Outside parentheses the first operator splits...
		{"0&1|2", "and(0 or(1 2))", "0&(1|2)"},
		{"0|1&2|3", "or(0 and(1 or(2 3)))", "0|(1&(2|3))"},
		// ...inside them the last one does.
		{"(0&1|2)", "or(and(0 1) 2)", "(0&1)|2"},
		{"(0|1&2|3)", "or(0 and(1 2) 3)", "0|(1&2)|3"},
		{"0&(1|2&3)", "and(0 or(1 2) 3)", "0&(1|2)&3"},
		{"(0&1)&2", "and(0 1 2)", "0&1&2"},
		{"0&(1&2)", "and(0 1 2)", "0&1&2"},
		{"(0|1|2)>5,2", "or(0 1 2)[> 5 2]", "(0|1|2)>5,2"},
		{"(0|1|2)>5,", "or(0 1 2)[> 5 -1]", "(0|1|2)>5"},
		{"(0|1|2)>5,0", "or(0 1 2)[> 5 -1]", "(0|1|2)>5"},
		{"(0|1)>2,1,7", "or(0 1)[> 2 1]", "(0|1)>2,1"},
		{"((0|1)=2)&3", "and(or(0 1)[= 2 -1] 3)", "(0|1)=2&3"},
		{"0=0", "0[= 0 -1]", "0=0"},
		// A count after an index ignores ",Y" and takes the last sign.
		{"0<3,1", "0[< 3 -1]", "0<3"},
		{"0=2,&1&2", "and(0[= 2 -1] 1 2)", "0=2&1&2"},
		{"8==9", "8[= 9 -1]", "8=9"},
		{"8>=9", "8[= 9 -1]", "8=9"},
		{"(0&1&(2>5)&(3==4))", "and(0 1 2[> 5 -1] 3[= 4 -1])", "0&1&2>5&3=4"},
		{"(0&1)>2&(2|3)", "and(and(0 1)[> 2 -1] or(2 3))", "(0&1)>2&(2|3)"},
		{"63", "63", "63"},
	}
	for _, tt := range tests {
		e, err := ParseExpr(tt.in)
		if err != nil {
			t.Errorf("ParseExpr(%q): %v", tt.in, err)
			continue
		}
		if got := dumpExpr(e); got != tt.tree {
			t.Errorf("ParseExpr(%q) = %s, want %s", tt.in, got, tt.tree)
		}
		if got := e.String(); got != tt.str {
			t.Errorf("ParseExpr(%q).String() = %q, want %q", tt.in, got, tt.str)
		}
		checkExprRoundTrip(t, e)
	}
}

func TestParseExprErrors(t *testing.T) {
	for _, in := range []string{
		"", "&", "0&", "|0", "()", "(0", "0)", "0>", "0>x", "0=1,x", "a", "0 ", " 0",
		"64", "0&&1", "0>1>2", "0,1", "4294967296",
		"(0)>1", "(0>1)=2", "(0|1)==2", "(0|1)>", "(0|1)>x", "(0|1)>2x", "(0|1)2", "(0|1))",
		"0(1|2)", "(0|1)(2|3)", "((0|1))>2",
	} {
		if e, err := ParseExpr(in); !errors.Is(err, ErrLogic) || !errors.Is(err, ErrSyntax) {
			t.Errorf("ParseExpr(%q) = %v, %v; want ErrLogic", in, dumpExpr(e), err)
		}
	}
}

func TestExprMaxIndex(t *testing.T) {
	for in, want := range map[string]int{"0": 0, "3|1": 3, "(0&(5|2))>1": 5} {
		e, err := ParseExpr(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := e.MaxIndex(); got != want {
			t.Errorf("MaxIndex(%q) = %d, want %d", in, got, want)
		}
	}
	var nilExpr *Expr
	if got := nilExpr.MaxIndex(); got != -1 {
		t.Errorf("nil MaxIndex = %d", got)
	}
}
