package difftest

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"fmt"
	"testing"
)

// TestLayersClamAVSkips covers content that ClamAV's scan pipeline never
// matches although it reads it: a file or member of 5 bytes or fewer
// (cli_magic_scan), and a PDF image stream that is not a JPEG, which its
// PDF parser does not extract (pdf_extract_obj) after reading the
// dictionary's names in order (handle_pdfname: /Image counts only outside
// a filter list).
func TestLayersClamAVSkips(t *testing.T) {
	clamscanPath(t)
	const mark = "pdf-image-mark"
	pdf := func(dict string) []byte {
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		zw.Write([]byte("pixels " + mark + " pixels"))
		zw.Close()
		var b bytes.Buffer
		b.WriteString("%PDF-1.4\n")
		b.WriteString("1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n")
		b.WriteString("2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n")
		fmt.Fprintf(&b, "3 0 obj\n<< %s /Length %d >>\nstream\n", dict, z.Len())
		b.Write(z.Bytes())
		b.WriteString("\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
		return b.Bytes()
	}
	zipped := func(name, data string) []byte {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		w, _ := zw.Create(name)
		w.Write([]byte(data))
		zw.Close()
		return b.Bytes()
	}
	runCases(t, []diffCase{
		ndbCase("SmallLayer", 0, "*", hx("smal"),
			miss("five", []byte("smal!")), hit("six", []byte("smal!!")),
			miss("five in zip", zipped("m", "smal!")), hit("six in zip", zipped("m", "smal!!"))),
		ndbCase("PDFImage", 0, "*", hx(mark),
			hit("flate stream", pdf("/Filter /FlateDecode")),
			miss("flate image", pdf("/Type /XObject /Subtype /Image /Width 4 /Height 4 /Filter /FlateDecode")),
			hit("image after filter", pdf("/Filter /FlateDecode /Subtype /Image"))),
	})
}
