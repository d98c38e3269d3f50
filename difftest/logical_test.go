package difftest

import (
	"strconv"
	"strings"
	"testing"
)

// ldbCase is a case of one .ldb line "Dt.L.NAME;TDB;EXPR;SUBS...". TDB
// starts with the engine range ClamAV's documentation asks of signatures
// that use subsignature modifiers.
func ldbCase(name, tdb, expr string, subs []string, samples ...sample) diffCase {
	sig := "Dt.L." + name
	line := sig + ";Engine:81-255," + tdb + ";" + expr + ";" + strings.Join(subs, ";")
	return diffCase{name: "L" + name, sig: sig, db: map[string][]string{"c.ldb": {line}}, samples: samples}
}

// TestLogicalSignatures covers .ldb expressions (&, |, counts =N >N <N and
// their ",M" distinct forms, =0 negation), subsignature modifiers i, w, f,
// a, subsignature offsets and target-description conditions.
func TestLogicalSignatures(t *testing.T) {
	clamscanPath(t)
	pe, lay := samplePE()
	pe2, lay2 := peImage{sections: [][]byte{make([]byte, 0x100), make([]byte, 0x100)}, epSect: 1, epOff: 4}.build()
	wide := func(s string) string {
		var b strings.Builder
		for _, c := range []byte(s) {
			b.WriteByte(c)
			b.WriteByte(0)
		}
		return b.String()
	}
	a, b, c := "ldb-one", "ldb-two", "ldb-three"
	subs := []string{hx(a), hx(b), hx(c)}
	t0 := "Target:0"
	runCases(t, []diffCase{
		ldbCase("And", t0, "0&1", subs[:2],
			hit("both", bin(a+" "+b)), hit("reversed", bin(b+" "+a)), miss("one", bin(a))),
		ldbCase("Or", t0, "0|1", []string{hx("or-one"), hx("or-two")},
			hit("first", bin("or-one")), hit("second", bin("or-two")), miss("none", bin("or-three"))),
		ldbCase("Nested", t0, "(0|1)&2", []string{hx("nest-a"), hx("nest-b"), hx("nest-c")},
			hit("ac", bin("nest-a nest-c")), hit("bc", bin("nest-b nest-c")), miss("ab", bin("nest-a nest-b"))),
		ldbCase("CountEq", t0, "0=2", []string{hx("eq-two")},
			hit("2", bin(times("eq-two", 2))), miss("1", bin(times("eq-two", 1))), miss("3", bin(times("eq-two", 3)))),
		ldbCase("CountGt", t0, "0>2", []string{hx("gt-two")},
			hit("3", bin(times("gt-two", 3))), hit("5", bin(times("gt-two", 5))), miss("2", bin(times("gt-two", 2)))),
		ldbCase("CountLt", t0, "0&1<2", []string{hx("lt-base"), hx("lt-two")},
			hit("0", bin("lt-base")), hit("1", bin("lt-base lt-two")),
			miss("2", bin("lt-base "+times("lt-two", 2))), miss("nobase", bin("lt-two"))),
		ldbCase("Negation", t0, "0&1=0", []string{hx("neg-base"), hx("neg-not")},
			hit("without", bin("neg-base")), miss("with", bin("neg-base neg-not"))),
		ldbCase("CountEqDistinct", t0, "(0|1|2)=2,2", []string{hx("ed-a"), hx("ed-b"), hx("ed-c")},
			hit("ab", bin("ed-a ed-b")), hit("bc", bin("ed-b ed-c")),
			miss("aa", bin(times("ed-a", 2))), miss("abc", bin("ed-a ed-b ed-c"))),
		ldbCase("CountGtDistinct", t0, "(0|1)>1,2", []string{hx("gd-a"), hx("gd-b")},
			hit("ab", bin("gd-a gd-b")), hit("aab", bin(times("gd-a", 2)+"gd-b")),
			miss("aaa", bin(times("gd-a", 3)))),
		ldbCase("CountLtDistinct", t0, "0&(1|2)<3,2", []string{hx("ld-base"), hx("ld-x"), hx("ld-y")},
			hit("ab", bin("ld-base ld-x ld-y")), miss("none", bin("ld-base")), miss("aa", bin("ld-base "+times("ld-x", 2))),
			miss("aab", bin("ld-base "+times("ld-x", 2)+"ld-y"))),
		// A split pattern's matches, counted by where each chain ends
		// (libclamav/matcher-ac.c counts a match of the last part that
		// completes a chain), whichever part is rarest.
		ldbCase("CountSplit", t0, "0=2", []string{hx("cs-a") + "*" + hx("cs-b")},
			hit("ends", bin("cs-a cs-b cs-b")), miss("starts", bin("cs-a cs-a cs-b")),
			hit("pairs", bin("cs-a cs-a cs-b cs-b")), miss("one", bin("cs-a cs-b"))),
		ldbCase("CountSplitRange", t0, "0=2", []string{hx("cr-a") + "{0-8}" + hx("cr-b")},
			hit("ends", bin("cr-a cr-b cr-b")), miss("starts", bin("cr-a cr-a cr-b"))),
		ldbCase("CountSplitRare", t0, "0>1", []string{hx("zq") + "{0-8}" + hx("common")},
			hit("ends", bin("zq common common")), miss("starts", bin("zq zq common"))),
		ldbCase("NoCase", t0, "0", []string{hx("nocase") + "::i"},
			hit("lower", bin("nocase")), hit("mixed", bin("NoCaSe")), miss("other", bin("nocas3"))),
		ldbCase("Wide", t0, "0", []string{hx("wide") + "::w"},
			hit("wide", bin(wide("wide"))), miss("ascii", bin("wide"))),
		ldbCase("WideASCII", t0, "0", []string{hx("both") + "::wa"},
			hit("wide", bin(wide("both"))), hit("ascii", bin("both"))),
		ldbCase("WideNoCase", t0, "0", []string{hx("wnc") + "::wi"},
			hit("wide", bin(wide("WnC"))), miss("ascii", bin("wnc"))),
		ldbCase("FullWord", t0, "0", []string{hx("fullw") + "::f"},
			hit("spaces", bin(" fullw ")), hit("punct", bin("(fullw)")),
			miss("left", bin("xfullw ")), miss("right", bin(" fullwx"))),
		ldbCase("FullWordNoCase", t0, "0", []string{hx("fwnc") + "::fi"},
			hit("upper", bin(" FWNC ")), miss("inside", bin("xFWNCx"))),
		// binL ends with the 4 bytes of notText: "so-end" starts at EOF-10.
		ldbCase("SubOffset", t0, "0&1", []string{"0:" + hx("so-start"), "EOF-10:" + hx("so-end")},
			hit("both", binL("so-start"+strings.Repeat(".", 50)+"so-end")),
			miss("late", bin("so-start"+strings.Repeat(".", 50)+"so-end"))),
		ldbCase("FileSize", "Target:0,FileSize:100-200", "0", []string{hx("fsize")},
			hit("150", placed(150, 10, "fsize")), miss("99", placed(99, 10, "fsize")), miss("201", placed(201, 10, "fsize"))),
		ldbCase("PESections", "Target:1,NumberOfSections:3-3", "0", []string{hx("three")},
			hit("3", patch(pe, lay.secOff[1], "three")), miss("2", patch(pe2, lay2.secOff[1], "three"))),
		ldbCase("PEEntry", "Target:1,EntryPoint:"+strconv.Itoa(lay.epFile)+"-"+strconv.Itoa(lay.epFile), "0", []string{hx("epcond")},
			hit("pe", patch(pe, lay.secOff[1], "epcond")), miss("pe2", patch(pe2, lay2.secOff[0], "epcond"))),
		ldbCase("PESubOffsets", "Target:1", "0&1", []string{"EP+0:" + hx("lep0"), "SE2:" + hx("lse2")},
			hit("pe", patch(patch(pe, lay.epFile, "lep0"), lay.secOff[2]+9, "lse2")),
			miss("wrongsect", patch(patch(pe, lay.epFile, "lep0"), lay.secOff[1]+9, "lse2"))),
	})
}
