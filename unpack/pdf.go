package unpack

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
)

// PDF: every stream of every object, decoded through its filters, and the
// JavaScript held in strings. Objects are found by scanning for "N G obj"
// rather than through the cross-reference table, as ClamAV does: the table
// is often wrong in damaged or hand-made files, and an object it does not
// list is still one a viewer may run.
//
// Members are named "obj-N-G" (the object's number and generation), an
// embedded file "obj-N-G/<name>" when a file specification names it, and
// JavaScript "obj-N-G.js". Streams whose first filter is an image codec
// (DCT, JPX, JBIG2, CCITT) are not yielded: their bytes are the file's own,
// which the scan of the PDF itself covers. Nor are the other images ClamAV
// does not extract (pdfnames.go): inflated pixels, which it never scans.

// pdfHeadWindow is how far into a file "%PDF-" may start: viewers accept
// junk before it, and so does ClamAV's file typing.
const pdfHeadWindow = 1024

var magicPDF = []byte("%PDF-")

func isPDF(head []byte) bool {
	return bytes.Contains(head[:min(len(head), pdfHeadWindow)], magicPDF)
}

type pdfObject struct {
	num, gen  int
	dict      pdfDict
	body      []byte // the object's text after "obj"
	head      []byte // body up to its first "endobj", as ClamAV delimits it
	stream    []byte // raw stream data, nil if none
	hasStream bool
}

type pdfDoc struct {
	data    []byte
	objects []*pdfObject
	byNum   map[int]*pdfObject // the last definition wins, as in an update
	crypt   *pdfCrypt
}

// findPDFObjects scans data for "N G obj" headers.
func findPDFObjects(data []byte) *pdfDoc {
	doc := &pdfDoc{data: data, byNum: map[int]*pdfObject{}}
	for i := 0; ; {
		k := bytes.Index(data[i:], []byte("obj"))
		if k < 0 {
			break
		}
		at := i + k
		i = at + 3
		num, gen, ok := objHeader(data, at)
		if !ok || (i < len(data) && !isPDFSpace(data[i]) && !isPDFDelim(data[i])) {
			continue
		}
		o := &pdfObject{num: num, gen: gen}
		end := objectEnd(data, i)
		o.body = data[i:end]
		o.head = o.body
		l := &pdfLexer{b: o.body}
		l.skip()
		if l.p+1 < len(l.b) && l.b[l.p] == '<' && l.b[l.p+1] == '<' {
			o.dict = l.dict(0)
			l.skip()
			if bytes.HasPrefix(l.b[l.p:], []byte("stream")) {
				o.hasStream = true
				start := i + l.p + len("stream")
				if start < len(data) && data[start] == '\r' {
					start++
				}
				if start < len(data) && data[start] == '\n' {
					start++
				}
				o.stream = data[start:streamEnd(doc, o, data, start)]
				// The object goes on past its stream: a stream may hold
				// "endobj" itself.
				end = objectEnd(data, start+len(o.stream))
				o.body = data[i:end]
			}
		}
		doc.objects = append(doc.objects, o)
		doc.byNum[num] = o
		i = max(i, end)
	}
	return doc
}

// objHeader reads "N G" backwards from the "obj" at position at.
func objHeader(data []byte, at int) (num, gen int, ok bool) {
	p := at
	digitsBack := func() (int, bool) {
		e := p
		for p > 0 && data[p-1] >= '0' && data[p-1] <= '9' {
			p--
		}
		if p == e || e-p > 10 {
			return 0, false
		}
		n, err := strconv.Atoi(string(data[p:e]))
		return n, err == nil
	}
	spaces := func() bool {
		s := p
		for p > 0 && isPDFSpace(data[p-1]) {
			p--
		}
		return p < s
	}
	if !spaces() {
		return 0, 0, false
	}
	if gen, ok = digitsBack(); !ok || !spaces() {
		return 0, 0, false
	}
	if num, ok = digitsBack(); !ok {
		return 0, 0, false
	}
	if p > 0 && !isPDFSpace(data[p-1]) && !isPDFDelim(data[p-1]) {
		return 0, 0, false
	}
	return num, gen, true
}

// objectEnd finds the end of an object's text: its "endobj", else the
// next object's header, else the end of the file.
func objectEnd(data []byte, from int) int {
	if from >= len(data) {
		return len(data)
	}
	if k := bytes.Index(data[from:], []byte("endobj")); k >= 0 {
		return from + k
	}
	return len(data)
}

// streamEnd trusts /Length when "endstream" follows it, else searches for
// "endstream" (7.3.8.1), dropping the end-of-line before it.
func streamEnd(doc *pdfDoc, o *pdfObject, data []byte, start int) int {
	if n, ok := doc.intValue(o.dict["Length"]); ok && n >= 0 && int64(start)+n <= int64(len(data)) {
		e := start + int(n)
		rest := data[e:min(len(data), e+16)]
		rest = bytes.TrimLeft(rest, "\r\n \t")
		if bytes.HasPrefix(rest, []byte("endstream")) {
			return e
		}
	}
	k := bytes.Index(data[start:], []byte("endstream"))
	if k < 0 {
		return len(data)
	}
	e := start + k
	if e > start && data[e-1] == '\n' {
		e--
	}
	if e > start && data[e-1] == '\r' {
		e--
	}
	return e
}

// intValue resolves an integer, directly or through a reference to an
// object whose body is a number. Objects found later in the file are not
// known yet, so a forward reference is looked up by scanning.
func (doc *pdfDoc) intValue(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case pdfRef:
		o := doc.byNum[x.num]
		var body []byte
		if o != nil {
			body = o.body
		} else if body = doc.findBody(x); body == nil {
			return 0, false
		}
		l := &pdfLexer{b: body}
		n, ok := l.value(0).(int64)
		return n, ok
	}
	return 0, false
}

// findBody finds "num gen obj" anywhere in the file and returns the text
// after it (up to 64 bytes: enough for a number).
func (doc *pdfDoc) findBody(r pdfRef) []byte {
	pat := []byte(fmt.Sprintf("%d %d obj", r.num, r.gen))
	for i := 0; ; {
		k := bytes.Index(doc.data[i:], pat)
		if k < 0 {
			return nil
		}
		at := i + k
		if at == 0 || isPDFSpace(doc.data[at-1]) || isPDFDelim(doc.data[at-1]) {
			s := at + len(pat)
			return doc.data[s:min(len(doc.data), s+64)]
		}
		i = at + 1
	}
}

func (doc *pdfDoc) resolve(v any) any {
	for i := 0; i < 8; i++ {
		r, ok := v.(pdfRef)
		if !ok {
			return v
		}
		o := doc.byNum[r.num]
		if o == nil {
			return nil
		}
		if o.dict != nil {
			v = o.dict
			continue
		}
		v = (&pdfLexer{b: o.body}).value(0)
	}
	return v
}

// embeddedNames maps the object numbers of embedded file streams to the
// names their file specifications give (/UF, else /F).
func (doc *pdfDoc) embeddedNames() map[int]string {
	names := map[int]string{}
	for _, o := range doc.objects {
		ef, ok := doc.resolve(o.dict["EF"]).(pdfDict)
		if !ok {
			continue
		}
		name := pdfText(doc.stringOf(o, "UF"))
		if name == "" {
			name = pdfText(doc.stringOf(o, "F"))
		}
		for _, v := range ef {
			if r, ok := v.(pdfRef); ok && name != "" {
				names[r.num] = packageFileName(name, name)
			}
		}
	}
	return names
}

// stringOf returns a string entry of o's dictionary, decrypted.
func (doc *pdfDoc) stringOf(o *pdfObject, key pdfName) []byte {
	b, _ := o.dict[key].([]byte)
	return doc.decryptString(o, b)
}

// pdfText is a string's text: UTF-16BE with a byte order mark, else bytes.
func pdfText(b []byte) string {
	if len(b) >= 2 && b[0] == 0xfe && b[1] == 0xff {
		return decodeUTF16BE(b[2:])
	}
	return string(b)
}

func decodeUTF16BE(b []byte) string {
	sw := make([]byte, len(b)&^1)
	for i := 0; i+1 < len(b); i += 2 {
		sw[i], sw[i+1] = b[i+1], b[i]
	}
	return decodeUTF16LE(sw)
}

func (w *walker) pdf(src io.ReaderAt, size int64) error {
	data, err := readAllAt(src, size)
	if err != nil {
		return fmt.Errorf("%w: pdf: %w", ErrCorrupt, err)
	}
	doc := findPDFObjects(data)
	if err := doc.setupCrypt(); err != nil {
		// An encryption we cannot undo (a user password is set, or an
		// unknown handler): the streams are unreadable.
		w.info.Encrypted = true
		w.info.MemberCount = len(doc.objects)
		return fmt.Errorf("pdf: %w", err)
	}
	names := doc.embeddedNames()
	for _, o := range doc.objects {
		label := fmt.Sprintf("obj-%d-%d", o.num, o.gen)
		if js := doc.javaScript(o); js != nil {
			w.info.MemberCount++
			if _, stop := w.emit(label+".js", false, func() (io.Reader, error) { return bytes.NewReader(js), nil }); stop != nil {
				return stop
			}
		}
		if !o.hasStream {
			continue
		}
		filters, parms := pdfList(doc.resolve(o.dict["Filter"])), pdfList(doc.resolve(o.dict["DecodeParms"]))
		if (len(filters) > 0 && isImageFilter(filters[0])) || clamSkipsImage(o.head) {
			continue
		}
		w.info.MemberCount++
		name := label
		if n, ok := names[o.num]; ok {
			name = label + "/" + n
		}
		o := o
		if _, stop := w.emit(name, false, func() (io.Reader, error) {
			raw := doc.decrypt(o, o.stream)
			return decodePDFStream(raw, filters, parms, doc, w.lim)
		}); stop != nil {
			return stop
		}
	}
	return nil
}

// javaScript returns the script of a /JS entry held as a string (a /JS
// stream is yielded as a stream).
func (doc *pdfDoc) javaScript(o *pdfObject) []byte {
	b, ok := o.dict["JS"].([]byte)
	if !ok || len(b) == 0 {
		return nil
	}
	return doc.decryptString(o, b)
}

func isImageFilter(f any) bool {
	switch f {
	case pdfName("DCTDecode"), pdfName("DCT"), pdfName("JPXDecode"), pdfName("JBIG2Decode"),
		pdfName("CCITTFaxDecode"), pdfName("CCF"):
		return true
	}
	return false
}

// readAllAt returns the whole input, without a copy when it is already in
// memory.
func readAllAt(r io.ReaderAt, size int64) ([]byte, error) {
	if c, ok := r.(*countingReaderAt); ok {
		if b, ok := c.r.(interface{ Bytes() []byte }); ok {
			buf := b.Bytes()
			c.n.Add(int64(len(buf)))
			return buf[:min(int64(len(buf)), size)], nil
		}
	}
	buf := make([]byte, size)
	n, err := r.ReadAt(buf, 0)
	if n < len(buf) && err != nil && err != io.EOF {
		return buf[:n], err
	}
	return buf[:n], nil
}
