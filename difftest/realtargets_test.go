package difftest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigtool/sigtool/internal/ole2build"
	"github.com/sigtool/sigtool/internal/swfbuild"
)

// realDB is ClamAV's published databases beside the repository.
const realDB = "../../shared/corpus/clamav-real"

// realLines returns the lines of file (main.ldb, daily.ndb, gzipped in
// realDB) that define the named signatures, and fails when one is missing:
// the cases below name real signatures, not copies of them.
func realLines(t *testing.T, file string, names ...string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(realDB, file+".gz"))
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("ClamAV's published databases are missing (CI runs with ../shared beside the repo): %v", err)
		}
		t.Skipf("no real databases: %v", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	sep := ";"
	if strings.HasSuffix(file, ".ndb") {
		sep = ":"
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	var out []string
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		name, _, _ := strings.Cut(sc.Text(), sep)
		if want[name] {
			out = append(out, sc.Text())
			delete(want, name)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for n := range want {
		t.Fatalf("%s has no signature %s", file, n)
	}
	return out
}

// realCase is a case whose signature is a real one; db holds every real
// line of the test, so each sample is also checked against all the others.
func realCase(sig string, db map[string][]string, samples ...sample) diffCase {
	return diffCase{name: strings.ReplaceAll(sig, ".", "_"), sig: sig, db: db, samples: samples}
}

// noVBACache is the difference between ClamAV and us on a VBA project
// whose _VBA_PROJECT stream has no performance cache (7 bytes, which
// MS-OVBA allows and Office reads): ClamAV matches target-2 signatures
// only on the modules its older reader finds in that cache
// (cli_vba_readdir); its newer one (dir stream) scans the project's source
// as CL_TYPE_SCRIPT, where target 2 does not apply. We read the modules
// from the dir stream and match them as target 2 either way: a macro
// signature should not miss because a tool wrote no cache.
const noVBACache = "ClamAV matches target 2 on VBA modules only when _VBA_PROJECT " +
	"holds the legacy performance cache; we match the dir stream's modules"

// TestRealTargets puts real signatures of main.ldb and daily.ndb to
// content of each type-specific target, made here, that only the type's
// unpacker or normaliser exposes: VBA macro source in Word and Excel
// documents (target 2), HTML in its normalised form (3), PDF (10), Flash
// compressed with zlib or LZMA (11) and Java classes in a jar (12), each
// also inside a zip and a mail, with near misses: the same text where the
// target does not apply.
func TestRealTargets(t *testing.T) {
	clamscanPath(t)
	db := map[string][]string{
		"main.ldb": realLines(t, "main.ldb",
			"Doc.Dropper.Agent-6368969-0", "Doc.Dropper.Agent-6346632-0", "Win.Trojan.Emotet-6397178-0",
			"Html.Exploit.CVE_2019_0541-6806972-0", "Html.Exploit.CVE_2014_6340-1",
			"Pdf.Exploit.CVE_2015_3053-1", "Pdf.Exploit.CVE_2017_16366-6374414-0",
			"Swf.Exploit.CVE_2015_0341-1",
			"Java.Downloader.CVE_2015_2590-1", "Doc.Downloader.Emotet-6899204-0"),
		"daily.ndb": realLines(t, "daily.ndb", "Doc.Dropper.Kimsuky-9802908-0", "Pdf.Exploit.CVE_2021_28550-9860864-0"),
	}
	var cases []diffCase
	cases = append(cases, vbaCases(t, db)...)
	cases = append(cases, htmlCases(t, db)...)
	cases = append(cases, pdfCases(t, db)...)
	cases = append(cases, swfCases(t, db)...)
	cases = append(cases, javaCases(t, db)...)
	runCases(t, cases)
}

// Macro sources, each written to meet one real signature.
const (
	// Doc.Dropper.Agent-6368969-0: the module header and a Shell line.
	vbaShell = "Attribute VB_Name = \"Module1\"\r\nSub AutoOpen()\r\n" +
		"    Dim strFile As String, strWndStyle As Integer\r\n" +
		"    strFile = Environ(\"TEMP\") & \"\\run.bat\"\r\n" +
		"    Shell \"cmd /k \"\"\" & strFile & \"\"\"\", strWndStyle\r\nEnd Sub\r\n"
	// Doc.Dropper.Kimsuky-9802908-0: at offset 0 of the source.
	vbaKimsuky = "Attribute VB_Name = \"Module1\"\r\nSub AutoOpen()\r\n" +
		"    u = ActiveDocument.CustomDocumentProperties(\"u\")\r\n" +
		"    Set h = CreateObject(\"MSXML2.XMLHTTP\")\r\n" +
		"    h.Open \"GET\", \"http://example.invalid/a.php?wShell=1\", False\r\n" +
		"    h.setRequestHeader \"User-Agent\", u\r\n" +
		"    Set s = CreateObject(\"WScript.Shell\")\r\nEnd Sub\r\n"
	// Doc.Dropper.Agent-6346632-0: a PCRE meant to find six assignments
	// between two declared names by backreference, but written with
	// "\\\\1", which PCRE reads as a backslash and a "1": source that
	// assigns between the declared names is missed, by ClamAV too, and
	// source with those literal characters hits.
	vbaArith = "Attribute VB_Name = \"Module1\"\r\nSub Calc()\r\nDim a\r\nDim b\r\n" +
		"a = b + 1\r\nb = a - 2\r\na = a + b\r\nb = b - 3\r\na = b + 4\r\nb = a - 5\r\nEnd Sub\r\n"
	vbaArithLiteral = "Attribute VB_Name = \"Module1\"\r\nSub Calc()\r\nDim a\r\nDim b\r\n" +
		vbaLiteralLine + vbaLiteralLine + vbaLiteralLine + vbaLiteralLine + vbaLiteralLine + vbaLiteralLine + "End Sub\r\n"
	vbaLiteralLine = "\\1 = \\2 + 1\r\n"
	// Win.Trojan.Emotet-6397178-0: "powershell" (any case) and a PCRE.
	vbaPowerShell = "Attribute VB_Name = \"Module1\"\r\nSub Document_Open()\r\n" +
		"    Shell \"PowerShell -e JABjAGwAaQBlAG4AdAAgAD0AIABOAGUAdwA=\", 0\r\nEnd Sub\r\n"
)

// wordDoc is a Word 97 document with a VBA project of one module holding
// src (and ThisDocument), its source behind a performance cache.
func wordDoc(src string, legacy bool) []byte {
	mods := []ole2build.Module{
		{Name: "ThisDocument", Source: "Attribute VB_Name = \"ThisDocument\"\r\nAttribute VB_Base = \"1Normal.ThisDocument\"\r\n", Cache: 0x30},
		{Name: "Module1", Source: src, Cache: 0x50},
	}
	files := []ole2build.Stream{
		{Path: "WordDocument", Data: append([]byte{0xec, 0xa5, 0xc1, 0x00}, make([]byte, 0x200)...)},
		{Path: "1Table", Data: make([]byte, 0x100)},
	}
	return ole2build.Build(append(files, ole2build.Project("Macros", legacy, mods...)...)).Data
}

// excelBook is an Excel 97 workbook with the same project under
// _VBA_PROJECT_CUR.
func excelBook(src string) []byte {
	files := []ole2build.Stream{{Path: "Workbook", Data: append([]byte{0x09, 0x08, 0x10, 0x00, 0x00, 0x06, 0x05, 0x00}, make([]byte, 0x200)...)}}
	mods := []ole2build.Module{{Name: "Module1", Source: src, Cache: 0x40}}
	return ole2build.Build(append(files, ole2build.Project("_VBA_PROJECT_CUR", true, mods...)...)).Data
}

func vbaCases(t *testing.T, db map[string][]string) []diffCase {
	doc := wordDoc(vbaShell, true)
	return []diffCase{
		realCase("Doc.Dropper.Agent-6368969-0", db,
			hit("doc", doc), hit("xls", excelBook(vbaShell)),
			hit("doc in zip", zipOf(t, "invoice.doc", doc)), hit("doc in mail", mailWith("invoice.doc", doc)),
			sample{name: "no cache", data: wordDoc(vbaShell, false), hit: true, clamDiffers: noVBACache},
			// The source as a file is text (target 7), not macro content.
			miss("bas", []byte(vbaShell))),
		realCase("Doc.Dropper.Kimsuky-9802908-0", db,
			hit("doc", wordDoc(vbaKimsuky, true)),
			miss("not at the start", wordDoc("' header\r\n"+vbaKimsuky, true))),
		realCase("Doc.Dropper.Agent-6346632-0", db,
			hit("literal", wordDoc(vbaArithLiteral, true)), miss("meant", wordDoc(vbaArith, true)),
			miss("five", wordDoc(strings.Replace(vbaArithLiteral, vbaLiteralLine, "", 1), true))),
		realCase("Win.Trojan.Emotet-6397178-0", db,
			hit("doc", wordDoc(vbaPowerShell, true)),
			miss("short argument", wordDoc(strings.Replace(vbaPowerShell, "JABjAGwAaQBlAG4AdAAgAD0AIABOAGUAdwA=", "$c", 1), true))),
	}
}

func htmlCases(t *testing.T, db map[string][]string) []diffCase {
	// Html.Exploit.CVE_2019_0541-6806972-0 wants, lower-cased, an
	// ActiveX shell object and a meta tag naming htafile as ProgId.
	hta := []byte("<HTML>\n<HEAD>\n<META NAME=\"ProgId\" CONTENT=\"htafile\">\n<TITLE>Invoice</TITLE>\n</HEAD>\n" +
		"<BODY>\n<SCRIPT LANGUAGE=\"JavaScript\">\nvar s = new ActiveXObject(\"WScript.Shell\");\ns.Run(\"calc.exe\");\n" +
		"</SCRIPT>\n</BODY>\n</HTML>\n")
	// Html.Exploit.CVE_2014_6340-1.
	execwb := []byte("<html><body>\n<SCRIPT>\nvar u = window.external.IE_DisplayURL;\n" +
		"document.body.ExecWB(51, 2);\n</SCRIPT>\n</body></html>\n")
	return []diffCase{
		realCase("Html.Exploit.CVE_2019_0541-6806972-0", db,
			hit("html", hta), hit("html in zip", zipOf(t, "page.hta", hta)), hit("html in mail", mailWith("page.html", hta)),
			// Without markup it is text: target 3 does not apply.
			miss("text", []byte("WScript.Shell\nmeta name progid content htafile\n"))),
		realCase("Html.Exploit.CVE_2014_6340-1", db,
			hit("html", execwb),
			miss("comment", []byte("<html><body><!-- <SCRIPT> IE_DisplayURL ExecWB(51, 2) --></body></html>\n"))),
	}
}

// pdfWith is a PDF whose document catalog opens obj (an object body, the
// second object); streams are written as given.
func pdfWith(objs ...string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	var offs []int
	all := append([]string{"<< /Type /Catalog /Pages 2 0 R /OpenAction 3 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>"}, objs...)
	for i, o := range all {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(all)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(all)+1, xref)
	return b.Bytes()
}

// flateStream is a stream object holding data, deflated.
func flateStream(data string) string {
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	w.Write([]byte(data))
	w.Close()
	return fmt.Sprintf("<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream", z.Len(), z.Bytes())
}

func pdfCases(t *testing.T, db map[string][]string) []diffCase {
	// Pdf.Exploit.CVE_2015_3053-1: JavaScript that closes the document
	// from its own page action.
	js := `this.setPageAction(0,"Close","app.alert(1)"); this.closeDoc(true);`
	plain := pdfWith("<< /Type /Action /S /JavaScript /JS (" + js + ") >>")
	// Pdf.Exploit.CVE_2021_28550-9860864-0 (daily.ndb): a form field
	// made, given an OnBlur action and destroyed.
	annot := pdfWith("<< /Type /Action /S /JavaScript /JS (var n = this.syncAnnotScan(); var g = this.getAnnot(0, n); " +
		`var f = this.addField("t", "text", 0, [0,0,9,9]); var o = {"cFieldType":"text"}; ` +
		`f.setAction("OnBlur", "x"); var p = {"cTrigger":"OnBlur"}; f.destroy();) >>`)
	return []diffCase{
		realCase("Pdf.Exploit.CVE_2015_3053-1", db,
			hit("pdf", plain), hit("pdf in zip", zipOf(t, "doc.pdf", plain)), hit("pdf in mail", mailWith("doc.pdf", plain)),
			// Target 10 is the PDF's own bytes: the same script in a
			// compressed stream decodes to text, which target 10 does not
			// reach, in ClamAV as here.
			miss("deflated", pdfWith("<< /Type /Action /S /JavaScript /JS 4 0 R >>", flateStream(js))),
			miss("text", []byte(js+"\n"))),
		realCase("Pdf.Exploit.CVE_2017_16366-6374414-0", db,
			hit("pdf", pdfWith("<< /Type /Action /S /URI /URI (ACROBAT:Help/Open) >>")),
			miss("far", pdfWith("<< /Type /Action /S /URI /URI (http://example.invalid/"+strings.Repeat("x", 60)+") /Next (acrobat:x) >>"))),
		realCase("Pdf.Exploit.CVE_2021_28550-9860864-0", db, hit("pdf", annot)),
	}
}

func swfCases(t *testing.T, db map[string][]string) []diffCase {
	// Swf.Exploit.CVE_2015_0341-1: two names in the ActionScript bytecode.
	abc := swfbuild.Tag{Code: swfbuild.TagDoABC, Body: []byte("\x01\x00\x00\x00\x00\x10\x00\x2e\x00\x00\x00\x00" +
		"\x07crashMe\x06myAvss\x0bflash.utils\x09ByteArray")}
	attrs := swfbuild.Tag{Code: swfbuild.TagFileAttrib, Body: []byte{0x08, 0, 0, 0}}
	fws := swfbuild.FWS(15, attrs, abc, swfbuild.Tag{Code: swfbuild.TagShowFrame})
	cws, zws := swfbuild.CWS(fws), swfbuild.ZWS(fws)
	if bytes.Contains(cws, []byte("crashMe")) || bytes.Contains(zws, []byte("crashMe")) {
		t.Fatal("compressed SWF holds the names as they are")
	}
	return []diffCase{
		realCase("Swf.Exploit.CVE_2015_0341-1", db,
			hit("fws", fws), hit("cws", cws), hit("zws", zws),
			hit("cws in zip", zipOf(t, "movie.swf", cws)), hit("zws in mail", mailWith("movie.swf", zws)),
			miss("data", bin("crashMe myAvss"))),
	}
}

// javaClass is a class file (Java 8, major version 52) whose constant pool
// holds names: the class, its superclass and any strings given.
func javaClass(name string, strs ...string) []byte {
	b := []byte{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 52}
	utf := func(s string) {
		b = append(b, 1)
		b = binary.BigEndian.AppendUint16(b, uint16(len(s)))
		b = append(b, s...)
	}
	b = binary.BigEndian.AppendUint16(b, uint16(5+len(strs))) // count: entries + 1
	utf(name)
	b = append(b, 7, 0, 1) // #2 Class #1
	utf("java/lang/Object")
	b = append(b, 7, 0, 3) // #4 Class #3
	for _, s := range strs {
		utf(s)
	}
	b = append(b, 0x00, 0x21) // public super
	b = append(b, 0, 2, 0, 4) // this #2, super #4
	return append(b, 0, 0, 0, 0, 0, 0, 0, 0)
}

func javaCases(t *testing.T, db map[string][]string) []diffCase {
	phantom := javaClass("PhantomSuper", "java/lang/invoke/MethodHandles")
	// A Mach-O universal binary shares the class file's magic; with two
	// architectures it is Mach-O (target 9).
	fat := append([]byte{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2}, make([]byte, 40)...)
	fat = append(fat, "PhantomSuper"...)
	emotet := javaClass("sifxsbscux/Mzvrvrnidsv", "Mzvrvrnidsv.java", "resources/tyvldlikgp", "dzcukrklkq.js")
	return []diffCase{
		realCase("Java.Downloader.CVE_2015_2590-1", db,
			hit("class", phantom), hit("jar", zipOf(t, "PhantomSuper.class", phantom)),
			miss("macho", fat)),
		// Container:CL_TYPE_ZIP: the class in a jar, not on its own.
		realCase("Doc.Downloader.Emotet-6899204-0", db,
			hit("jar", zipOf(t, "sifxsbscux/Mzvrvrnidsv.class", emotet)), miss("class", emotet)),
	}
}
