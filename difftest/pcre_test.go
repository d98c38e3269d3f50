package difftest

import (
	"strings"
	"testing"
)

// TestPCRE covers PCRE subsignatures: triggers, the ClamAV flags (g
// global, r rolling, e encompass), the PCRE2 compile flags (i s m x A E
// U), offsets, and where PCRE2 on bytes with the C locale's tables reads a
// pattern otherwise than a Unicode engine would (\w, case folding of
// Latin-1 letters, $ before a final newline).
func TestPCRE(t *testing.T) {
	clamscanPath(t)
	t0 := "Target:0"
	base := hx("pcre-base")
	pc := func(name, expr, trigger, re, flags string, samples ...sample) diffCase {
		return ldbCase("P"+name, t0, expr, []string{base, trigger + "/" + re + "/" + flags}, samples...)
	}
	pcOff := func(name, off, re, flags string, samples ...sample) diffCase {
		return ldbCase("P"+name, t0, "0&1", []string{base, off + ":0/" + re + "/" + flags}, samples...)
	}
	at := func(off int, s string) []byte {
		b := placed(off+len(s)+30, off, s)
		copy(b[off+len(s)+5:], "pcre-base\x00\x01")
		return b
	}
	runCases(t, []diffCase{
		pc("Basic", "0&1", "0", `ab+c\d`, "",
			hit("yes", bin("pcre-base abbbc7")), miss("no digit", bin("pcre-base abbbcx")), miss("no trigger", bin("abbbc7"))),
		ldbCase("PBypass", t0, "0", []string{"7374756c747a676574737265676578/bypass\\d{3}/"},
			hit("yes", bin("bypass123")), miss("no", bin("bypass12"))),
		pc("Global", "0&1>2", "0", `g\d`, "g",
			hit("three", bin("pcre-base g1 g2 g3")), miss("two", bin("pcre-base g1 g2"))),
		pc("NotGlobal", "0&1>1", "0", `n\d`, "",
			miss("three", bin("pcre-base n1 n2 n3"))),
		pc("Caseless", "0&1", "0", `caseless`, "i",
			hit("upper", bin("pcre-base CASELESS"))),
		pc("CaselessLatin1", "0&1", "0", `caf\xe9`, "i",
			hit("same", bin("pcre-base caf\xe9")), miss("other case", bin("pcre-base CAF\xc9"))),
		pc("WordASCII", "0&1", "0", `x\wy`, "",
			hit("ascii", bin("pcre-base xay")), miss("latin1", bin("pcre-base x\xe9y"))),
		pc("SpaceASCII", "0&1", "0", `sp\ssp`, "",
			hit("vt", bin("pcre-base sp\x0bsp")), miss("nbsp", bin("pcre-base sp\xa0sp")), miss("nel", bin("pcre-base sp\x85sp"))),
		pc("Boundary", "0&1", "0", `\bword\b`, "",
			hit("spaced", bin("pcre-base a word b")), miss("inside", bin("pcre-base swords")), hit("latin1 neighbour", bin("pcre-base \xe9word\xe9"))),
		pc("DotAll", "0&1", "0", `dot.all`, "s",
			hit("newline", bin("pcre-base dot\nall"))),
		pc("NoDotAll", "0&1", "0", `nodot.all`, "",
			miss("newline", bin("pcre-base nodot\nall")), hit("other", bin("pcre-base nodot-all"))),
		pc("Multiline", "0&1", "0", `^mline`, "m",
			hit("line start", bin("pcre-base\nmline"))),
		pc("NoMultiline", "0&1", "0", `^nomline`, "",
			miss("line start", bin("pcre-base\nnomline"))),
		ldbCase("PDollar", t0, "0&1", []string{hx("dollar-base"), "0/dollar-end$/"},
			hit("final newline", []byte("\x00\x01dollar-base dollar-end\n")), hit("end", []byte("\x00\x01dollar-base dollar-end")),
			miss("two newlines", []byte("\x00\x01dollar-base dollar-end\n\n"))),
		ldbCase("PDollarEnd", t0, "0&1", []string{hx("dollarE-base"), "0/dollarE-end$/E"},
			hit("end", []byte("\x00\x01dollarE-base dollarE-end")), miss("final newline", []byte("\x00\x01dollarE-base dollarE-end\n"))),
		pc("Ungreedy", "0&1>1", "0", `<u.+>`, "gU",
			hit("two", bin("pcre-base <u1> <u2>"))),
		pc("Greedy", "0&1>1", "0", `<gr.+>`, "g",
			miss("one", bin("pcre-base <gr1> <gr2>"))),
		pc("Extended", "0&1", "0", `ext   ended # a comment`, "x",
			hit("yes", bin("pcre-base extended"))),
		pc("Named", "0&1", "0", `(?P<w>[a-z]{3})-(?P=w)`, "",
			hit("same", bin("pcre-base abc-abc")), miss("different", bin("pcre-base abc-abd"))),
		pc("NumberedAfterNamed", "0&1", "0", `(?P<n>a)(b)\2`, "",
			hit("b", bin("pcre-base abb")), miss("a", bin("pcre-base aba"))),
		pc("CaselessBackref", "0&1", "0", `(cbr)-\1`, "i",
			hit("folded", bin("pcre-base cbr-CBR"))),
		pc("RepeatedBackref", "0&1", "0", `#([^'"#])\1{5,}?`, "",
			hit("run of 6", bin("pcre-base #xxxxxx")), miss("run of 5", bin("pcre-base #xxxxx")),
			miss("run after another byte", bin("pcre-base #axxxxxx")), miss("excluded byte", bin("pcre-base #"))),
		pc("OctalInClass", "0&1", "0", `oc[\2]t`, "",
			hit("two", bin("pcre-base oc\x02t"))),
		pc("Lookahead", "0&1", "0", `look(?!x)`, "",
			hit("y", bin("pcre-base looky")), miss("x", bin("pcre-base lookx"))),
		pcOff("Anchored", "10", `pcre-anch`, "",
			hit("at 10", at(10, "pcre-anch")), miss("at 11", at(11, "pcre-anch"))),
		pcOff("Rolling", "10", `pcre-roll`, "r",
			hit("at 10", at(10, "pcre-roll")), hit("at 14", at(14, "pcre-roll")), miss("at 9", at(9, "pcre-roll"))),
		pcOff("Shift", "10,5", `pcre-shift`, "",
			hit("at 15", at(15, "pcre-shift")), miss("at 16", at(16, "pcre-shift"))),
		pcOff("Encompass", "10,12", `pcre-enc\d`, "e",
			hit("inside", at(10, "pcre-enc1")), miss("cut off", at(14, "pcre-enc1"))),
		pcOff("AnchorFlag", "*", `pcre-aflag`, "A",
			hit("at 0", append([]byte("pcre-aflag pcre-base"), 0, 1)), miss("later", bin("pcre-aflag pcre-base"))),
		ldbCase("PEOF", t0, "0&1", []string{base, "EOF-20:0/pcre-eof/"},
			hit("at EOF-20", append(append(bin("pcre-base"), "pcre-eof"...), strings.Repeat("\x00", 12)...)),
			miss("at EOF-21", append(append(bin("pcre-base"), "pcre-eof"...), strings.Repeat("\x00", 13)...))),
		ldbCase("PTriggerCount", t0, "0&1", []string{base, "0>1/pcre-tc/"},
			hit("two", bin("pcre-base pcre-base pcre-tc")), miss("one", bin("pcre-base pcre-tc"))),
		// A literal and ".*" under s: searched as the literal's first
		// occurrence and the rest after it (matcher/pcresplit.go).
		pc("SplitLead", "0&1", "0", `<scr-x.*?\{[^}]*?let\s(\w+)=\1;`, "si",
			hit("after a later lead", bin("pcre-base <SCR-X { } <scr-x\n{ let ab=ab;")),
			miss("closed block", bin("pcre-base <scr-x { } let ab=ab;")),
			miss("other name", bin("pcre-base <scr-x { let ab=ac;")),
			miss("rest before the lead", bin("pcre-base { let ab=ab; <scr-x"))),
		pcOff("SplitShift", "10,4", `split-s.*tail`, "s",
			hit("lead within shift", at(14, "split-s tail")), miss("lead past shift", at(15, "split-s tail"))),
		// A PCRE whose signature cannot hold is not run; a required
		// literal missing from the content skips the search.
		ldbCase("PHopeless", t0, "0&1&2", []string{base, hx("pcre-absent"), "0/pcre-hl\\d/"},
			miss("body subsignature missing", bin("pcre-base pcre-hl1"))),
		pc("RequiredLiteral", "0&1", "0", `(?:alpha|beta)-lit\d`, "i",
			hit("beta", bin("pcre-base BETA-LIT7")), miss("gamma", bin("pcre-base gamma-lit7"))),
	})
}
