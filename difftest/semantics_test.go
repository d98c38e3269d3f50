package difftest

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExpressionsAsClamAV covers what ClamAV's logical-expression
// evaluator (cli_ac_chklsig) reads differently from operator precedence,
// and the forms of main.ldb it alone accepts: groups split at their last
// operator, counts on false operands, counts nested in groups ("(7>5)",
// "(8==9)", main.ldb:655), a count with an empty ",Y" (main.ldb:19477).
func TestExpressionsAsClamAV(t *testing.T) {
	clamscanPath(t)
	t0 := "Target:0"
	s := func(names ...string) []string {
		var out []string
		for _, n := range names {
			out = append(out, hx(n))
		}
		return out
	}
	runCases(t, []diffCase{
		// "(0&1|2)" is (0&1)|2, not 0&(1|2).
		ldbCase("GroupLastOp", t0, "(0&1|2)", s("glo-a", "glo-b", "glo-c"),
			hit("c alone", bin("glo-c")), hit("ab", bin("glo-a glo-b")), miss("a and c", bin("glo-a"))),
		// Outside parentheses the first operator splits: 0&(1|2).
		ldbCase("TopFirstOp", t0, "0&1|2", s("tfo-a", "tfo-b", "tfo-c"),
			hit("ac", bin("tfo-a tfo-c")), miss("c alone", bin("tfo-c"))),
		ldbCase("NestedCounts", t0, "(0&1&(2>1)&(3==2))", s("nc-a", "nc-b", "nc-c", "nc-d"),
			hit("yes", bin("nc-a nc-b "+times("nc-c", 2)+times("nc-d", 2))),
			miss("three d", bin("nc-a nc-b "+times("nc-c", 2)+times("nc-d", 3))),
			miss("one c", bin("nc-a nc-b nc-c "+times("nc-d", 2)))),
		ldbCase("EmptyY", "Target:6", "0=2,&1&2", s("ey-a", "ey-b", "ey-c"),
			miss("text", bin(times("ey-a", 2)+"ey-b ey-c"))),
		ldbCase("EmptyYAny", t0, "0=2,&1&2", s("eya-a", "eya-b", "eya-c"),
			hit("two", bin(times("eya-a", 2)+"eya-b eya-c")), miss("three", bin(times("eya-a", 3)+"eya-b eya-c"))),
		// A false operator counts nothing: "(0&1)<2" holds when 1 never matched.
		ldbCase("FalseCountsNothing", t0, "2&(0&1)<2", s("fcn-a", "fcn-b", "fcn-c"),
			hit("no b", bin(times("fcn-a", 5)+"fcn-c")), miss("both", bin(times("fcn-a", 2)+"fcn-b fcn-c"))),
		// An index whose count compares right holds without a match.
		ldbCase("LessThanAlone", t0, "1&0<1", s("lta-a", "lta-b"),
			hit("no a", bin("lta-b")), miss("a", bin("lta-a lta-b"))),
		// ",Y" after an index is read and ignored.
		ldbCase("LeafY", t0, "0>1,3", s("ly-a"),
			hit("two", bin(times("ly-a", 2)))),
		// A group's count passes its number upward, not its subsignatures.
		ldbCase("GroupHidesIDs", t0, "((0|1)>0|2)>0,2", s("ghi-a", "ghi-b", "ghi-c"),
			miss("a and c", bin("ghi-a ghi-c")), miss("a b c", bin("ghi-a ghi-b ghi-c"))),
		ldbCase("OrCountsTrueOnly", t0, "(0|1=5)>1", s("octo-a", "octo-b"),
			miss("b fails its count", bin("octo-a "+times("octo-b", 3)))),
	})
}

// TestSubsignatureForms covers subsignatures that ClamAV's loader reads
// by its own rules: a {n} at either end of a pattern is n wildcards
// (main.ldb:139 "5068{4}"), a field HEX:x:MODS ignores its middle, and one
// with five or more ':' fields is its first field alone, without
// modifiers (main.ldb:21292).
func TestSubsignatureForms(t *testing.T) {
	clamscanPath(t)
	t0 := "Target:0"
	runCases(t, []diffCase{
		ndbCase("GapEnd", 0, "*", hx("gap-end")+"{4}",
			hit("four after", bin("gap-end1234")), miss("at the end", binR("gap-end123"))),
		ndbCase("GapStart", 0, "*", "{3}"+hx("gap-start"),
			hit("three before", binR("abcgap-start")), miss("at the start", binL("abgap-start"))),
		ldbCase("GapEndLdb", t0, "0&(1>2)", []string{hx("gel-a"), hx("gel-b") + "{2}"},
			hit("three", bin("gel-a "+times("gel-b", 3))), miss("two", bin("gel-a "+times("gel-b", 2)))),
		ldbCase("MiddleIgnored", t0, "0", []string{hx("midign") + ":junk:i"},
			hit("upper", bin("MIDIGN"))),
		ldbCase("FiveFields", t0, "0", []string{hx("five-a") + "::i*" + hx("five-b") + "::i*" + hx("five-c") + "::i"},
			hit("first only", bin("five-a")), miss("upper", bin("FIVE-A")), miss("others", bin("five-b five-c"))),
	})
}

// TestTargetsByType covers the targets whose content ClamAV recognises by
// its magic bytes (OLE2, mail, the graphics types, Mach-O, PDF, Flash,
// Java, binary data) and that no other type gets them.
func TestTargetsByType(t *testing.T) {
	clamscanPath(t)
	mark := func(head, body string) []byte {
		return []byte(head + strings.Repeat("\x00\x01", 40) + body + "\x00\x01")
	}
	ole2 := "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
	png, gif, jpeg, bmp := "\x89PNG\r\n\x1a\n", "GIF89a", "\xff\xd8\xff\xe0", "BM"
	macho := "\xcf\xfa\xed\xfe\x07\x00\x00\x01"
	java := "\xca\xfe\xba\xbe\x00\x00\x00\x34"
	swf := "FWS\x09"
	pdf := "%PDF-1.4\n"
	mail := "Received: from x\nSubject: tgt-mail-mark\n\nbody\n"
	tcase := func(name string, target int, m string, hits []sample, misses ...sample) diffCase {
		return ndbCase(name, target, "*", hx(m), append(hits, misses...)...)
	}
	runCases(t, []diffCase{
		tcase("TgtOLE2", 2, "tgt-ole2-mark",
			[]sample{hit("ole2", mark(ole2, "tgt-ole2-mark"))}, miss("data", bin("tgt-ole2-mark"))),
		tcase("TgtMail", 4, "tgt-mail-mark",
			[]sample{hit("mail", []byte(mail))}, miss("data", bin("tgt-mail-mark"))),
		tcase("TgtGraphics", 5, "tgt-gfx-mark", []sample{
			hit("png", mark(png, "tgt-gfx-mark")), hit("gif", mark(gif, "tgt-gfx-mark")),
			hit("jpeg", mark(jpeg, "tgt-gfx-mark")), hit("bmp", mark(bmp, "tgt-gfx-mark"))},
			miss("data", bin("tgt-gfx-mark"))),
		tcase("TgtMachO", 9, "tgt-macho-mark",
			[]sample{hit("macho", mark(macho, "tgt-macho-mark"))}, miss("pe", mark("MZ", "tgt-macho-mark"))),
		tcase("TgtPDF", 10, "tgt-pdf-mark",
			[]sample{hit("pdf", []byte(pdf+"1 0 obj\n<< /x (tgt-pdf-mark) >>\nendobj\n%%EOF\n"))},
			miss("data", bin("tgt-pdf-mark"))),
		tcase("TgtFlash", 11, "tgt-swf-mark",
			[]sample{hit("swf", mark(swf, "tgt-swf-mark"))}, miss("data", bin("tgt-swf-mark"))),
		tcase("TgtJava", 12, "tgt-java-mark",
			[]sample{hit("class", mark(java, "tgt-java-mark"))}, miss("macho", mark(macho, "tgt-java-mark"))),
		tcase("TgtOther", 14, "tgt-other-mark",
			[]sample{hit("binary data", bin("tgt-other-mark"))}, miss("png", mark(png, "tgt-other-mark"))),
	})
}

// wineDLL returns a PE with version information from Debian's libwine
// (unpacked at /tmp/wine/x, or installed), or skips.
func wineDLL(t *testing.T, name string) []byte {
	t.Helper()
	for _, dir := range []string{"/tmp/wine/x/usr/lib/x86_64-linux-gnu/wine/x86_64-windows", "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows"} {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
			return b
		}
	}
	t.Skipf("no %s from libwine", name)
	return nil
}

// TestVersionInfo covers VI offsets: a subsignature that may only start at
// a key of the PE's version information (CompanyName, FileVersion, ...),
// on a PE of our own and on a real one.
func TestVersionInfo(t *testing.T) {
	clamscanPath(t)
	fill := bytes.Repeat([]byte{0xcc}, 0x100)
	rsrc := versionResource(sectionRVA(1), [][2]string{
		{"CompanyName", "Microsoft"}, {"FileVersion", "1.2.3"}, {"InternalName", ""}, {"Comments", "vi-comment-mark"}})
	own, _ := peImage{sections: [][]byte{fill, rsrc}, epSect: 0, epOff: 16, rsrc: 2}.build()
	versionCases(t, "Own", own)
	versionCases(t, "Wine", wineDLL(t, "bcrypt.dll"))
}

func versionCases(t *testing.T, name string, dll []byte) {
	wide := func(s string) string {
		var b strings.Builder
		for _, c := range []byte(s) {
			b.WriteByte(c)
			b.WriteByte(0)
		}
		return b.String()
	}
	key := wide("CompanyName") + "\x00\x00\x00\x00" + wide("Microsoft")
	i := bytes.Index(dll, []byte(key))
	if i < 0 {
		t.Skip("bcrypt.dll has no CompanyName")
	}
	elsewhere := patch(dll, len(dll)-200, key) // the same bytes outside the version information
	copy(elsewhere[i:], "XX")
	runCases(t, []diffCase{
		ndbCase(name+"VICompany", 1, "VI", hx(key),
			hit("version info", dll), miss("elsewhere", elsewhere)),
		ndbCase(name+"VIMidKey", 1, "VI", hx(key[2:]),
			miss("not at a key", dll)),
		ldbCase(name+"VILogical", "Target:1", "0&1", []string{hx("MZ"), "VI:" + hx(wide("FileVersion"))},
			hit("version info", dll)),
	})
}

// TestIconGroup: ClamAV matches IconGroup signatures against an icon
// database (.idb); without one, as with these databases, never.
func TestIconGroup(t *testing.T) {
	clamscanPath(t)
	pe, lay := samplePE()
	runCases(t, []diffCase{
		ldbCase("Icon", "IconGroup1:FAKEAV,Target:1", "0", []string{hx("icon-body")},
			miss("pe", patch(pe, lay.secOff[1]+8, "icon-body"))),
	})
}
