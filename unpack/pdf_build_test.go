package unpack

import (
	"bytes"
	"fmt"
)

// A PDF writer for tests: objects in order, a correct cross-reference
// table and trailer, so that other readers (pdfcpu, ClamAV) take the files
// as they are.

type pdfTestObj struct {
	dict   string // the dictionary text, "<< ... >>", or a plain value
	stream []byte // nil: no stream
	// badLength writes a /Length that does not match the data.
	badLength bool
}

// buildPDF writes objects 1..n; object 1 must be the catalog.
func buildPDF(objs []pdfTestObj, trailerExtra string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n", i+1)
		if o.stream == nil {
			fmt.Fprintf(&b, "%s\nendobj\n", o.dict)
			continue
		}
		n := len(o.stream)
		if o.badLength {
			n += 1000
		}
		d := o.dict
		if d == "" {
			d = "<< >>"
		}
		fmt.Fprintf(&b, "%s /Length %d >>\nstream\n", d[:len(d)-2], n)
		b.Write(o.stream)
		b.WriteString("\nendstream\nendobj\n")
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, trailerExtra, xref)
	return b.Bytes()
}

// pdfWithPage is a one-page document whose content stream (object 4) is
// content, Flate-compressed, plus extra objects from 5 on.
func pdfWithPage(content []byte, extra ...pdfTestObj) []byte {
	objs := []pdfTestObj{
		{dict: "<< /Type /Catalog /Pages 2 0 R >>"},
		{dict: "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"},
		{dict: "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>"},
		{dict: "<< /Filter /FlateDecode >>", stream: zlibBytes(content)},
	}
	return buildPDF(append(objs, extra...), "")
}
