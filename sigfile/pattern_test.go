package sigfile

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// Helpers to write expected patterns compactly.
func fb(v byte) Elem { return Elem{Kind: ElemByte, Byte: ByteMatch{v, 0xff}} }
func bm(v, m byte) Elem {
	return Elem{Kind: ElemByte, Byte: ByteMatch{v, m}}
}
func alt(neg bool, alts ...[]ByteMatch) Elem { return Elem{Kind: ElemAlt, Alts: alts, Negate: neg} }
func bs(vs ...byte) []ByteMatch {
	out := make([]ByteMatch, len(vs))
	for i, v := range vs {
		out[i] = ByteMatch{v, 0xff}
	}
	return out
}
func parts(ps ...[]Elem) [][]Elem { return ps }
func elems(es ...Elem) []Elem     { return es }

func TestParsePatternValues(t *testing.T) {
	tests := []struct {
		hex  string
		want Pattern
	}{
		{"aabbcc", Pattern{Parts: parts(elems(fb(0xaa), fb(0xbb), fb(0xcc)))}},
		{"AABBCC", Pattern{Parts: parts(elems(fb(0xaa), fb(0xbb), fb(0xcc)))}},
		{"aabb??c??d", Pattern{Parts: parts(elems(fb(0xaa), fb(0xbb), bm(0, 0), bm(0xc0, 0xf0), bm(0x0d, 0x0f)))}},
		{"aabb*ccdd", Pattern{Parts: parts(elems(fb(0xaa), fb(0xbb)), elems(fb(0xcc), fb(0xdd))), Gaps: []Gap{{0, -1}}}},
		{"aabb{7}ccdd", Pattern{Parts: parts(elems(fb(0xaa), fb(0xbb)), elems(fb(0xcc), fb(0xdd))), Gaps: []Gap{{7, 7}}}},
		{"aabb{-7}ccdd", Pattern{Parts: parts(elems(fb(0xaa), fb(0xbb)), elems(fb(0xcc), fb(0xdd))), Gaps: []Gap{{0, 7}}}},
		{"aabb{7-}ccdd", Pattern{Parts: parts(elems(fb(0xaa), fb(0xbb)), elems(fb(0xcc), fb(0xdd))), Gaps: []Gap{{7, -1}}}},
		{"aabb{3-7}ccdd", Pattern{Parts: parts(elems(fb(0xaa), fb(0xbb)), elems(fb(0xcc), fb(0xdd))), Gaps: []Gap{{3, 7}}}},
		{"aa[3-7]ccdd", Pattern{Parts: parts(elems(fb(0xaa)), elems(fb(0xcc), fb(0xdd))), Gaps: []Gap{{3, 7}}}},
		{"ccdd[0-32]aa", Pattern{Parts: parts(elems(fb(0xcc), fb(0xdd)), elems(fb(0xaa))), Gaps: []Gap{{0, 32}}}},
		{"aabb(cc|dd)", Pattern{Parts: parts(elems(fb(0xaa), fb(0xbb), alt(false, bs(0xcc), bs(0xdd))))}},
		{"aabb!(ccdd|eeff)", Pattern{Parts: parts(elems(fb(0xaa), fb(0xbb), alt(true, bs(0xcc, 0xdd), bs(0xee, 0xff))))}},
		{"aabb(cc|ddee)", Pattern{Parts: parts(elems(fb(0xaa), fb(0xbb), alt(false, bs(0xcc), bs(0xdd, 0xee))))}},
		{"aabb(c?|dd)", Pattern{Parts: parts(elems(fb(0xaa), fb(0xbb), alt(false, []ByteMatch{{0xc0, 0xf0}}, bs(0xdd))))}},
		{"aabb(11(22|33)|44)", Pattern{Parts: parts(elems(fb(0xaa), fb(0xbb), alt(false, bs(0x11, 0x22), bs(0x11, 0x33), bs(0x44))))}},
		{"aabb(11{2}22)", Pattern{Parts: parts(elems(fb(0xaa), fb(0xbb), alt(false, []ByteMatch{{0x11, 0xff}, {}, {}, {0x22, 0xff}})))}},
		// {n} at an end is n wildcards there (main.ldb:139 ends "5068{4}").
		{"5068{2}", Pattern{Parts: parts(elems(fb(0x50), fb(0x68), bm(0, 0), bm(0, 0)))}},
		{"{1}5068", Pattern{Parts: parts(elems(bm(0, 0), fb(0x50), fb(0x68)))}},
		{"aabb*ccdd{1}", Pattern{Parts: parts(elems(fb(0xaa), fb(0xbb)), elems(fb(0xcc), fb(0xdd), bm(0, 0))), Gaps: []Gap{{0, -1}}}},
		{"(B)aabb(L)(W)", Pattern{Parts: parts(elems(Elem{Kind: ElemBoundary}, fb(0xaa), fb(0xbb), Elem{Kind: ElemLineEnd}, Elem{Kind: ElemNonAlnum}))}},
	}
	for _, tt := range tests {
		got, err := ParsePattern(tt.hex)
		if err != nil {
			t.Errorf("ParsePattern(%q): %v", tt.hex, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParsePattern(%q) =\n %#v\nwant\n %#v", tt.hex, got, tt.want)
		}
		checkRoundTrip(t, got)
	}
}

func TestParsePatternErrors(t *testing.T) {
	tests := []struct {
		hex    string
		target error  // sentinel the error must match
		substr string // part of the message
	}{
		{"", ErrPattern, "empty"},
		{"aab", ErrPattern, "odd number of hex digits at column 3"},
		{"aabb??c?d", ErrPattern, "odd number of hex digits at column 9"},
		{"aabb(1(2|3)|4)", ErrPattern, "odd number of hex digits at column 6"},
		{"aabbxx", ErrPattern, "bad character 'x' at column 5"},
		{"aabb*", ErrPattern, "ends with a gap"},
		{"{-2}aabb", ErrPattern, "starts with a gap"},
		{"aabb{128}", ErrPattern, "ends with a gap"},
		{"aabb{2-3}", ErrPattern, "ends with a gap"},
		{"{0}aabb", ErrPattern, "starts with a gap"},
		{"aabb*{2}ccdd", ErrPattern, "two gaps"},
		{"aabb{3ccdd", ErrPattern, "'{' without '}'"},
		{"aabb{4-3}ccdd", ErrPattern, "minimum above maximum"},
		{"aabb[4-3]cc", ErrPattern, "minimum above maximum"},
		{"aabb[0-33]cc", ErrPattern, "maximum distance 32"},
		{"aabb(ccdd", ErrPattern, "'(' without ')'"},
		{"aabb)ccdd", ErrPattern, "unbalanced ')'"},
		{"aabb(cc||dd)ee", ErrPattern, "empty alternative"},
		{"aabb!(cc|dddd)ee", ErrPattern, "same length"},
		{"aabb!(c?|dd)ee", ErrPattern, "wildcards"},
		{"aabb!(L)ccdd", ErrPattern, "'!' applies only to alternatives"},
		{"aabb(cc*dd)ee", ErrPattern, "not allowed inside alternatives"},
		{"aa", ErrTooShort, "piece at column 1"},
		{"aabb*cc", ErrTooShort, "piece at column 6"},
		{"aabb{128}cc", ErrTooShort, "piece at column 10"},
		{"aa[1-2]bb", ErrTooShort, "piece at column 8"},
		{"aabb[1-2]cc[1-2]dd", ErrPattern, "single byte on one side"},
		{"aa(" + strings.Repeat("(", 20) + "bb" + strings.Repeat(")", 21), ErrPattern, "nested deeper"},
		{"aabb(" + strings.Repeat("(11|22)", 11) + ")", ErrPattern, "more than 1024 alternatives"},
	}
	for _, tt := range tests {
		_, err := ParsePattern(tt.hex)
		if err == nil {
			t.Errorf("ParsePattern(%q) succeeded, want error", tt.hex)
			continue
		}
		if !errors.Is(err, tt.target) || !errors.Is(err, ErrSyntax) {
			t.Errorf("ParsePattern(%q) = %v, want errors.Is %v and ErrSyntax", tt.hex, err, tt.target)
		}
		if !strings.Contains(err.Error(), tt.substr) {
			t.Errorf("ParsePattern(%q) = %q, want it to mention %q", tt.hex, err, tt.substr)
		}
	}
}

// TestPatternStringBrackets checks that String attaches lone bytes with
// [x-y] only where a brace gap would be rejected, and that the result
// parses back.
func TestPatternStringBrackets(t *testing.T) {
	tests := []struct{ in, want string }{
		{"aa[1-2]bbcc", "aa[1-2]bbcc"},
		{"aa[3-3]bbcc", "aa{3}bbcc"}, // {3} joins the pieces: no bracket needed
		{"bbcc[1-2]aa", "bbcc[1-2]aa"},
		{"aabb{5}cc{6}ddee", "aabb{5}cc{6}ddee"},
		{"aabb{5}cc[1-2]dd", "aabb{5}cc[1-2]dd"},
		{"aabb[1-2]cc{5-6}dd[3-4]eeff", "aabb[1-2]cc{5-6}dd[3-4]eeff"},
		{"aabb{5-5}cc[1-2]ddee", "aabb{5}cc{1-2}ddee"},
		{"aabb*cc[1-2]ddee", "aabb*cc[1-2]ddee"},
		{"aabb{-3}(cc|dd)eeff{0-}1122", "aabb{0-3}(cc|dd)eeff*1122"},
		{"aabb(11(22|33)|44)5566", "aabb(1122|1133|44)5566"},
	}
	for _, tt := range tests {
		p, err := ParsePattern(tt.in)
		if err != nil {
			t.Fatalf("ParsePattern(%q): %v", tt.in, err)
		}
		if got := p.String(); got != tt.want {
			t.Errorf("String of %q = %q, want %q", tt.in, got, tt.want)
		}
		checkRoundTrip(t, p)
	}
}
