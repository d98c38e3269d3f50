package difftest

import (
	"bytes"
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
)

func hit(name string, data []byte) sample  { return sample{name: name, data: data, hit: true} }
func miss(name string, data []byte) sample { return sample{name: name, data: data} }

// ndbCase is a case of one .ndb line named Dt.NAME.
func ndbCase(name string, target int, offset, pattern string, samples ...sample) diffCase {
	sig := "Dt." + name
	line := sig + ":" + strconv.Itoa(target) + ":" + offset + ":" + pattern
	return diffCase{name: name, sig: sig, db: map[string][]string{"c.ndb": {line}}, samples: samples}
}

// altAtEOF is a ClamAV bug: after a generic (variable-length) alternative,
// ac_forward_match_branch (libclamav/matcher-ac.c) compares the rest of the
// pattern in a loop that also stops at the end of the data, and then
// reports a match: a pattern cut off by the end of the file matches.
const altAtEOF = "ClamAV bug: the rest of a pattern after a generic alternative " +
	"is not checked past end of file, so a truncated match counts"

// altSuffix is a ClamAV bug found by the randomized round: with a generic
// alternative one of whose strings ends another, (61|4261), ClamAV 1.4
// misses matches through the longer string when the pattern is matched
// backwards from a later anchor (6464(61|4261)6462 misses "ddBadb"; with a
// three-byte prefix, 717172(61|4261)6378 finds "qqrBacx").
const altSuffix = "ClamAV bug: generic alternative whose short string is a suffix " +
	"of a long one misses matches of the long one"

// TestPatternConstructs covers every element of the .ndb hex syntax, each
// with samples that match and near misses.
func TestPatternConstructs(t *testing.T) {
	clamscanPath(t)
	far := strings.Repeat("-", 5000)
	runCases(t, []diffCase{
		ndbCase("Bytes", 0, "*", hx("bytes!"),
			hit("in", bin("..bytes!..")), hit("start", binL("bytes!")), hit("end", binR("bytes!")),
			miss("last", bin("..bytes?..")), miss("first", bin("..cytes!.."))),
		ndbCase("AnyByte", 0, "*", hx("any")+"??"+hx("byte"),
			hit("x", bin("any_byte")), hit("nul", bin("any\x00byte")),
			miss("none", bin("anybyte")), miss("two", bin("any__byte"))),
		ndbCase("HighNibble", 0, "*", hx("nib")+"6?"+hx("hi"),
			hit("a", bin("nibahi")), hit("o", bin("nibohi")), miss("q", bin("nibqhi"))),
		ndbCase("LowNibble", 0, "*", hx("nib")+"?4"+hx("lo"),
			hit("d", bin("nibdlo")), hit("t", bin("nibtlo")), hit("dollar", bin("nib$lo")), miss("e", bin("nibelo"))),
		ndbCase("Star", 0, "*", hx("star1")+"*"+hx("star2"),
			hit("far", bin("star1"+far+"star2")), hit("adjacent", bin("star1star2")),
			miss("order", bin("star2 star1")), miss("half", bin("star1 star"))),
		ndbCase("GapN", 0, "*", hx("gapn")+"{3}"+hx("end"),
			hit("3", bin("gapn123end")), miss("2", bin("gapn12end")), miss("4", bin("gapn1234end"))),
		ndbCase("GapBig", 0, "*", hx("gapbig")+"{200}"+hx("end"),
			hit("200", bin("gapbig"+strings.Repeat("x", 200)+"end")),
			miss("199", bin("gapbig"+strings.Repeat("x", 199)+"end")),
			miss("201", bin("gapbig"+strings.Repeat("x", 201)+"end"))),
		ndbCase("GapUpTo", 0, "*", hx("upto")+"{-3}"+hx("end"),
			hit("0", bin("uptoend")), hit("3", bin("upto123end")), miss("4", bin("upto1234end"))),
		ndbCase("GapAtLeast", 0, "*", hx("least")+"{3-}"+hx("end"),
			hit("3", bin("least123end")), hit("500", bin("least"+strings.Repeat("y", 500)+"end")),
			miss("2", bin("least12end"))),
		ndbCase("GapRange", 0, "*", hx("range")+"{2-4}"+hx("end"),
			hit("2", bin("range12end")), hit("4", bin("range1234end")),
			miss("1", bin("range1end")), miss("5", bin("range12345end"))),
		ndbCase("ByteAfter", 0, "*", hx("brack")+"[1-3]7a",
			hit("1", bin("brack1z")), hit("3", bin("brack123z")),
			miss("0", bin("brackz")), miss("4", bin("brack1234z"))),
		ndbCase("ByteBefore", 0, "*", "7a[1-3]"+hx("kcarb"),
			hit("1", bin("z1kcarb")), hit("3", bin("z123kcarb")),
			miss("0", bin("zkcarb")), miss("4", bin("z1234kcarb"))),
		ndbCase("Alt", 0, "*", hx("alt")+"(31|32)"+hx("end"),
			hit("1", bin("alt1end")), hit("2", bin("alt2end")), miss("3", bin("alt3end"))),
		ndbCase("NegAlt", 0, "*", hx("neg")+"!(31|32)"+hx("end"),
			hit("3", bin("neg3end")), miss("1", bin("neg1end")), miss("2", bin("neg2end"))),
		ndbCase("MultiAlt", 0, "*", hx("malt")+"(3132|6162)"+hx("end"),
			hit("12", bin("malt12end")), hit("ab", bin("maltabend")), miss("1b", bin("malt1bend"))),
		ndbCase("NegMultiAlt", 0, "*", hx("nmalt")+"!(3132|6162)"+hx("end"),
			hit("xx", bin("nmaltxxend")), hit("1b", bin("nmalt1bend")), miss("12", bin("nmalt12end"))),
		ndbCase("GenericAlt", 0, "*", hx("galt")+"(31|3232|3?7a)"+hx("end"),
			hit("1", bin("galt1end")), hit("22", bin("galt22end")), hit("5z", bin("galt5zend")),
			miss("2", bin("galt2end")), miss("5y", bin("galt5yend"))),
		ndbCase("GenericAltEOF", 0, "*", hx("gae")+"(31|3232)"+hx("z"),
			hit("short", bin("gae1z")), hit("long", bin("gae22z")), miss("other", bin("gae22y")),
			sample{name: "eof", data: binR("gae22"), clamDiffers: altAtEOF}),
		ndbCase("GenericAltSuffix", 0, "*", "6464(61|4261)6462",
			hit("short", bin("ddadb")), sample{name: "long", data: bin("ddBadb"), hit: true, clamDiffers: altSuffix},
			miss("other", bin("ddcadb"))),
		ndbCase("GenericAltPrefix", 0, "*", "6464(61|6142)6462",
			hit("short", bin("ddadb")), hit("long", bin("ddaBdb")), miss("other", bin("ddaadb"))),
		ndbCase("BoundLeft", 0, "*", "(B)"+hx("bleft"),
			hit("edge", binL("bleft")), hit("space", bin(" bleft")),
			miss("letter", bin("xbleft"))),
		ndbCase("BoundRight", 0, "*", hx("bright")+"(B)",
			hit("edge", binR("bright")), hit("space", bin("bright ")), miss("letter", bin("brightx"))),
		ndbCase("BoundMid", 0, "*", hx("bmi")+"(B)"+hx("ddle"),
			hit("dot", bin("bmi.ddle")), miss("letter", bin("bmixddle"))),
		ndbCase("LineLeft", 0, "*", "(L)"+hx("lleft"),
			hit("edge", binL("lleft")), hit("lf", bin("\nlleft")), miss("space", bin(" lleft"))),
		ndbCase("LineRight", 0, "*", hx("lright")+"(L)",
			hit("edge", binR("lright")), hit("lf", bin("lright\n")), hit("crlf", bin("lright\r\n")),
			miss("space", bin("lright x"))),
		ndbCase("LineMid", 0, "*", hx("lmid")+"(L)"+hx("dle"),
			hit("lf", bin("lmid\ndle")), hit("crlf", bin("lmid\r\ndle")), miss("space", bin("lmid dle"))),
		ndbCase("NonAlnum", 0, "*", hx("wmi")+"(W)"+hx("ddle"),
			hit("dash", bin("wmi-ddle")), miss("letter", bin("wmixddle")), miss("digit", bin("wmi7ddle"))),
	})
}

// TestOffsetsAndTargets covers every offset form on plain files, on a PE we
// build and on a copy of a system ELF, and targets 0, 1 and 6.
func TestOffsetsAndTargets(t *testing.T) {
	clamscanPath(t)
	pe, lay := samplePE()
	el := systemELF(t)
	s1, s2 := lay.secOff[1], lay.secOff[2]
	text := "S" + strconv.Itoa(el.text)
	runCases(t, []diffCase{
		ndbCase("OffAbs", 0, "100", hx("offabs"),
			hit("at", placed(300, 100, "offabs")), miss("after", placed(300, 101, "offabs")), miss("before", placed(300, 99, "offabs"))),
		ndbCase("OffShift", 0, "100,20", hx("offshift"),
			hit("lo", placed(300, 100, "offshift")), hit("hi", placed(300, 120, "offshift")),
			miss("over", placed(300, 121, "offshift")), miss("under", placed(300, 99, "offshift"))),
		ndbCase("OffEOF", 0, "EOF-50", hx("offeof"),
			hit("at", placed(300, 250, "offeof")), miss("before", placed(300, 249, "offeof")), miss("after", placed(300, 251, "offeof"))),
		ndbCase("OffEOFShift", 0, "EOF-50,10", hx("offeofs"),
			hit("lo", placed(300, 250, "offeofs")), hit("hi", placed(300, 260, "offeofs")), miss("over", placed(300, 261, "offeofs"))),
		ndbCase("EPPlus", 1, "EP+8", hx("entry+8"),
			hit("at", patch(pe, lay.epFile+8, "entry+8")), miss("next", patch(pe, lay.epFile+9, "entry+8")),
			miss("notpe", placed(len(pe), lay.epFile+8, "entry+8"))),
		ndbCase("EPMinus", 1, "EP-4", hx("entry-4"),
			hit("at", patch(pe, lay.epFile-4, "entry-4")), miss("next", patch(pe, lay.epFile-3, "entry-4"))),
		ndbCase("Section", 1, "S1+32", hx("sect1+32"),
			hit("at", patch(pe, s1+32, "sect1+32")), miss("next", patch(pe, s1+33, "sect1+32")),
			miss("other", patch(pe, s2+32, "sect1+32"))),
		ndbCase("LastSection", 1, "SL+8", hx("last+8"),
			hit("at", patch(pe, s2+8, "last+8")), miss("other", patch(pe, s1+8, "last+8"))),
		ndbCase("SectionWhole", 1, "SE1", hx("inside1"),
			hit("start", patch(pe, s1, "inside1")), hit("middle", patch(pe, s1+0x100, "inside1")),
			miss("s0", patch(pe, lay.secOff[0]+5, "inside1")), miss("s2", patch(pe, s2+5, "inside1"))),
		ndbCase("TargetPE", 1, "*", hx("pe only"),
			hit("pe", patch(pe, s2+40, "pe only")), hit("overlay", append(bytes.Clone(pe), "pe only"...)),
			miss("plain", bin("pe only")),
			miss("elf", patch(el.data, el.toff+40, "pe only"))),
		ndbCase("TargetAny", 0, "*", hx("any type"),
			hit("pe", patch(pe, s2+40, "any type")), hit("plain", bin("any type")),
			hit("elf", patch(el.data, el.toff+40, "any type"))),
		ndbCase("TargetELF", 6, "*", hx("elf only"),
			hit("elf", patch(el.data, el.toff+40, "elf only")), miss("pe", patch(pe, s2+40, "elf only")),
			miss("plain", bin("elf only"))),
		ndbCase("ELFEntry", 6, "EP+4", hx("elfep+4"),
			hit("at", patch(el.data, el.ep+4, "elfep+4")), miss("next", patch(el.data, el.ep+5, "elfep+4")),
			miss("pe", patch(pe, lay.epFile+4, "elfep+4"))),
		ndbCase("ELFSection", 6, text+"+16", hx("elftext"),
			hit("at", patch(el.data, el.toff+16, "elftext")), miss("next", patch(el.data, el.toff+17, "elftext"))),
		ndbCase("FLevelLow", 0, "*", hx("flevel ok")+":20",
			hit("in", bin("flevel ok"))),
		ndbCase("FLevelMin", 0, "*", hx("flevel min")+":255",
			miss("in", bin("flevel min"))),
		ndbCase("FLevelMax", 0, "*", hx("flevel max")+":1:20",
			miss("in", bin("flevel max"))),
	})
}

// TestTextFiles: ClamAV matches text twice, its raw bytes with the generic
// signatures and a normalised copy (lower-cased, white space folded,
// controls and bytes above 0x7f dropped) with the generic and the target-7
// (ASCII) ones; text in which it finds HTML tags is HTML instead (target
// 3, normalised by the HTML parser), and binary data that its text
// detection takes for UTF-16 is normalised too.
func TestTextFiles(t *testing.T) {
	clamscanPath(t)
	wide := func(s string) []byte {
		var b []byte
		for _, c := range s {
			b = append(b, byte(c), 0)
		}
		return b
	}
	pad := strings.Repeat("plain text without tags\n", 100)
	runCases(t, []diffCase{
		ndbCase("TextRaw", 0, "*", hx("Mixed Case Text"),
			hit("same", []byte("some Mixed Case Text here\n")), miss("lower", []byte("some mixed case text here\n"))),
		ndbCase("TextNorm", 0, "*", hx("lower case text"),
			hit("same", []byte("lower case text\n")),
			hit("upper", []byte("LOWER CASE TEXT\n")),
			hit("spaces", []byte("lower   case\ttext\n")),
			hit("paragraph", []byte("<p>LOWER CASE TEXT</p>\n")),
			// In a binary file there is no normalised copy.
			miss("binary", bin("LOWER CASE TEXT"))),
		ndbCase("Ascii", 7, "*", hx("ascii target"),
			hit("same", []byte("an ascii target\n")),
			hit("folded", []byte("AN ASCII\r\n\t TARGET\n")),
			hit("controls dropped", []byte("an ascii\x07 \x1btarget\n")),
			hit("latin1 dropped", []byte("an ascii t\xe9arget\n")),
			hit("utf16", append([]byte{0xff, 0xfe}, wide("An ASCII Target")...)),
			hit("late in a long file", []byte(pad+"ASCII TARGET\n")),
			miss("split", []byte("an asci i target\n")),
			miss("binary", bin("ascii target")),
			// HTML is not normalised as text: target 3's normaliser
			// takes it.
			miss("html", []byte("<html><body>ascii target</body></html>\n")),
			miss("html later", []byte(pad+"<script>x</script> ascii target\n"))),
		ndbCase("AsciiRaw", 7, "*", hx("Raw Upper"),
			// Target 7 sees the normalised copy only.
			miss("upper", []byte("Raw Upper\n"))),
		ndbCase("AsciiDel", 7, "*", hx("del\x7fkept"),
			hit("kept", []byte("del\x7fkept\n"))),
	})
}

// TestHTMLFiles: HTML is matched in ClamAV's normalised forms (target 3
// and generic signatures): lower-cased, white space folded, comments
// dropped, tags rewritten; and the text alone without its tags. Content
// in data: URIs is a file of its own.
func TestHTMLFiles(t *testing.T) {
	clamscanPath(t)
	page := func(body string) []byte { return []byte("<html><body>" + body + "</body></html>\n") }
	runCases(t, []diffCase{
		ndbCase("HtmlText", 3, "*", hx("hello html world"),
			hit("same", page("hello html world")),
			hit("upper", page("HELLO Html WORLD")),
			hit("folded", page("hello\n\t html   world")),
			hit("across tags", page("hello <b>html</b> world")),
			miss("in a comment", page("<!-- hello html world -->")),
			miss("plain text", []byte("hello html world\n"))),
		ndbCase("HtmlTag", 3, "*", hx(`<a href="x.exe">`),
			hit("same", page(`<a href="x.exe">go</a>`)),
			hit("upper", page(`<A HREF="X.EXE">go</a>`)),
			hit("single quotes", page(`<a href='x.exe'>go</a>`)),
			hit("spaced", page(`<a href = "x.exe">go</a>`)),
			// An unquoted value stays unquoted.
			miss("unquoted", page(`<a href=x.exe>go</a>`))),
		ndbCase("HtmlUnquoted", 3, "*", hx(`<a href=x.exe>`),
			hit("unquoted", page(`<a href=x.exe>go</a>`))),
		ndbCase("HtmlBare", 3, "*", hx(`<input checked>`),
			hit("bare", page(`<INPUT Checked>`))),
		ndbCase("HtmlEmptyTag", 3, "*", hx(`x<br />y`),
			hit("kept", page(`x<br />y`)), miss("no space", page(`x<br/>y`))),
		ndbCase("HtmlEntity", 3, "*", hx(`a & b`),
			hit("decoded", page(`a &amp; b`))),
		ndbCase("HtmlScript", 3, "*", hx(`script text`),
			hit("in script", page(`<script>Script  TEXT</script>`))),
		ndbCase("HtmlGeneric", 0, "*", hx("generic in html"),
			hit("normalised", page("Generic  IN html"))),
		ndbCase("HtmlTarget7", 7, "*", hx("ascii in html"),
			miss("not text", page("ascii in html"))),
		ndbCase("HtmlDataURI", 0, "*", hx("payload inside a data uri"),
			hit("base64", page(`<a href="data:application/octet-stream;base64,`+
				base64.StdEncoding.EncodeToString([]byte("payload inside a data uri"))+`">x</a>`))),
	})
}
