package sigfile

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

var patternSeeds = []string{
	"aabbcc", "aabb??c?d?", "aabb*ccdd", "aabb{5}cc", "aabb{-5}ccdd", "aabb{5-}ccdd", "aabb{2-7}ccdd",
	"aa[1-2]bbcc", "bbcc[0-32]aa", "64[4-4]61616161{2}6262[3-6]65", "aabb(cc|dd)ee", "aabb!(ccdd|eeff)00",
	"aabb(cc(dd|ee)|ff){3}0011", "(B)aabb(L)", "(W)aabb(B)ccdd", "aabb(cc{2}dd|ee)ff00", "aabb[1-2]cc[1-2]dd",
	"aabb{5-5}cc[1-2]ddee", "aabb[1-2]cc{5-6}dd[3-4]eeff", "aa", "(", "!(", "{", "[", "aabb*", "*",
}

// FuzzParsePattern checks that ParsePattern never panics and that every
// pattern it accepts survives String and back unchanged.
func FuzzParsePattern(f *testing.F) {
	for _, s := range patternSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePattern(s)
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("ParsePattern(%q) error %v is not ErrSyntax", s, err)
			}
			return
		}
		if len(p.Parts) == 0 || len(p.Gaps) != len(p.Parts)-1 {
			t.Fatalf("ParsePattern(%q): %d parts, %d gaps", s, len(p.Parts), len(p.Gaps))
		}
		checkRoundTrip(t, p)
	})
}

var kinds = []Kind{KindHDB, KindHSB, KindMDB, KindMSB, KindNDB, KindLDB, KindFP, KindSFP, KindIGN, KindIGN2}

// FuzzParseLine checks that ParseLine never panics, that errors are
// ErrSyntax, and that accepted entries are well formed.
func FuzzParseLine(f *testing.F) {
	seeds := map[Kind][]string{
		KindHDB:  {"44d88612fea8a8f36de82e1278abb02f:68:Eicar", "44d88612fea8a8f36de82e1278abb02f:*:A:73:255"},
		KindMSB:  {"45056:f9b304ced34fcce3ab75c6dc58ad59e4d62177ffed35494f79f09bc4e8986c16:E"},
		KindNDB:  {"A:0:*:aabbcc", "A:1:EP+1,5:aa{2}bbcc:51:255", "A:0:*:text:0:38", "A:99:VI:zz"},
		KindLDB:  {"A;Engine:51-255,Target:1;0&1;aabbcc;EP+0:ddeeff", "A;Engine:81-255,Target:0;0&1;aabb::i;0/a;b/g", "A;Target:0;0;${1-2}3$", "A;Engine:81-255,Target:0;0&1;aabb;0(>>4#ib2#=1)"},
		KindIGN2: {"Eicar", "Eicar:44d88612fea8a8f36de82e1278abb02f", "a:b:c"},
	}
	for k, lines := range seeds {
		for _, l := range lines {
			f.Add(kindIndex(k), l)
		}
	}
	f.Fuzz(func(t *testing.T, k uint8, line string) {
		kind := kinds[int(k)%len(kinds)]
		e, err := ParseLine(kind, line)
		// A Parser's entry, in memory that held another one, is ParseLine's.
		var p Parser
		if _, err := p.ParseLine(KindMSB, "4096:"+strings.Repeat("ab", 32)+":Other.Name:73:200"); err != nil {
			t.Fatal(err)
		}
		p.Reset()
		if pe, perr := p.ParseLine(kind, line); !reflect.DeepEqual(pe, e) || fmt.Sprint(perr) != fmt.Sprint(err) {
			t.Fatalf("Parser.ParseLine(%s, %q) = %+v, %v; ParseLine = %+v, %v", kind, line, pe, perr, e, err)
		}
		if err != nil {
			if err != ErrNoSignature && !errors.Is(err, ErrSyntax) {
				t.Fatalf("ParseLine(%s, %q) error %v is not ErrSyntax", kind, line, err)
			}
			return
		}
		set := 0
		for _, p := range []bool{e.Hash != nil, e.Body != nil, e.Logical != nil, e.Ignore != nil} {
			if p {
				set++
			}
		}
		if set != 1 || e.Kind != kind || e.Name() == "" || strings.ContainsRune(e.TypeName(), ':') {
			t.Fatalf("ParseLine(%s, %q) = %+v", kind, line, e)
		}
		if e.Skip == "" && !e.InFLevel(FLevel) {
			t.Fatalf("ParseLine(%s, %q): loadable but not InFLevel", kind, line)
		}
		checkPatternsRoundTrip(t, e)
	})
}

func kindIndex(k Kind) uint8 {
	for i, x := range kinds {
		if x == k {
			return uint8(i)
		}
	}
	return 0
}

// FuzzParseExpr checks that accepted expressions survive String.
func FuzzParseExpr(f *testing.F) {
	for _, s := range []string{"0", "0&1|2", "((0|1|2)>5,2)&(3|1)", "(0>1)=2", "0=0", "(0", "0&&1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseExpr(s)
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("ParseExpr(%q) error %v is not ErrSyntax", s, err)
			}
			return
		}
		checkExprRoundTrip(t, e)
	})
}

// FuzzParseOffset checks that accepted offsets survive String.
func FuzzParseOffset(f *testing.F) {
	for _, s := range []string{"*", "0", "EOF-1,2", "EP-5", "S1+2", "SE3,4", "SL+0", "VI", "$3$", "*,1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := ParseOffset(s)
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("ParseOffset(%q) error %v is not ErrSyntax", s, err)
			}
			return
		}
		p, err := ParseOffset(o.String())
		if err != nil || p != o {
			t.Fatalf("ParseOffset(%q) = %+v; String %q reparses to %+v, %v", s, o, o.String(), p, err)
		}
	})
}
