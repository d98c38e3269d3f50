package sigfile

import (
	"reflect"
	"testing"
)

// checkRoundTrip checks that a parsed pattern survives String and back.
func checkRoundTrip(t testing.TB, p Pattern) {
	t.Helper()
	s := p.String()
	q, err := ParsePattern(s)
	if err != nil {
		t.Fatalf("ParsePattern(%q) (String of a parsed pattern): %v", s, err)
	}
	if !reflect.DeepEqual(p, q) {
		t.Fatalf("ParsePattern(%q) = %#v, want %#v", s, q, p)
	}
}

// checkExprRoundTrip checks that a parsed expression survives String.
func checkExprRoundTrip(t testing.TB, e *Expr) {
	t.Helper()
	s := e.String()
	f, err := ParseExpr(s)
	if err != nil {
		t.Fatalf("ParseExpr(%q) (String of a parsed expression): %v", s, err)
	}
	if !reflect.DeepEqual(e, f) {
		t.Fatalf("ParseExpr(%q) = %s, want %s", s, dumpExpr(f), dumpExpr(e))
	}
}

// TestRoundTripExhaustive builds every sequence of up to five tokens and
// checks that each one ParsePattern accepts survives String. The tokens
// mix pieces of different lengths with every kind of gap, which is where
// String must choose between {n} and [n-m].
func TestRoundTripExhaustive(t *testing.T) {
	tokens := []string{"aa", "aabb", "a?", "(cc|dd)", "(B)", "*", "{3}", "{5-5}", "{200}", "[1-2]", "[4]", "{-3}"}
	accepted := 0
	var walk func(prefix string, depth int)
	walk = func(prefix string, depth int) {
		if prefix != "" {
			if p, err := ParsePattern(prefix); err == nil {
				accepted++
				checkRoundTrip(t, p)
			}
		}
		if depth == 5 {
			return
		}
		for _, tok := range tokens {
			walk(prefix+tok, depth+1)
		}
	}
	walk("", 0)
	if accepted < 1000 {
		t.Errorf("only %d patterns accepted: the generator is not exercising ParsePattern", accepted)
	}
}
