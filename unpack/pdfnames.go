package unpack

import "bytes"

// Which streams ClamAV's PDF parser leaves unscanned. It reads the names
// of an object's dictionary, in order, through a small state machine
// (libclamav/pdf.c, handle_pdfname), and extracts no image that is not a
// JPEG: a stream whose names make it an Image and not DCT/JBIG2 is never
// decoded or scanned as a layer of its own (its raw bytes are still part of
// the PDF's). Such streams are pixels, often megabytes of them once
// inflated; decoding and matching them found nothing ClamAV could find.
//
// The machine is ClamAV's, quirks included: a name only counts in the
// state it expects, so "/Filter /FlateDecode /Subtype /Image" leaves the
// object no image (Image is looked for outside a filter list) and ClamAV
// scans that stream; so do we.

// pdfNameState is where the name machine is.
type pdfNameState uint8

const (
	nsNone pdfNameState = iota
	nsFilter
	nsS
	nsLinearized
	nsJavaScript
	nsOpenAction
	nsLaunch
	nsContents
	nsURI
	nsAny // as a from-state: any state
)

// pdfNameAct is one row of ClamAV's name table: the state the name is
// taken in, the state it leads to, and whether it marks an image or a
// JPEG-like filter (the only two flags the extraction rule asks here).
type pdfNameAct struct {
	from, to    pdfNameState
	image, jpeg bool
}

var pdfNameActs = func() map[string]pdfNameAct {
	m := map[string]pdfNameAct{}
	add := func(a pdfNameAct, names ...string) {
		for _, n := range names {
			m[n] = a
		}
	}
	add(pdfNameAct{from: nsNone, to: nsNone}, "AA", "EmbeddedFile", "Type", "Page", "Author", "Producer",
		"CreationDate", "ModDate", "Creator", "Title", "Keywords", "Subject", "Pages", "Colors",
		"RichMedia", "AcroForm", "XFA")
	add(pdfNameAct{from: nsFilter, to: nsFilter}, "ASCIIHexDecode", "ASCII85Decode", "A85", "AHx",
		"FlateDecode", "Fl", "LZWDecode", "LZW", "RunLengthDecode", "RL", "CCITTFaxDecode", "CCF",
		"JPXDecode", "Standard")
	add(pdfNameAct{from: nsFilter, to: nsFilter, jpeg: true}, "JBIG2Decode", "DCTDecode", "DCT")
	add(pdfNameAct{from: nsNone, to: nsNone, image: true}, "Image")
	add(pdfNameAct{from: nsFilter, to: nsNone}, "Crypt", "Length")
	add(pdfNameAct{from: nsAny, to: nsNone}, "Sig", "V", "R")
	add(pdfNameAct{from: nsNone, to: nsLinearized}, "Linearized")
	add(pdfNameAct{from: nsAny, to: nsFilter}, "Filter")
	add(pdfNameAct{from: nsAny, to: nsJavaScript}, "JavaScript")
	add(pdfNameAct{from: nsNone, to: nsS}, "S")
	add(pdfNameAct{from: nsAny, to: nsOpenAction}, "OpenAction")
	add(pdfNameAct{from: nsAny, to: nsLaunch}, "Launch")
	add(pdfNameAct{from: nsNone, to: nsContents}, "Contents")
	add(pdfNameAct{from: nsNone, to: nsURI}, "URI")
	return m
}()

// pdfNameMax is the longest name ClamAV reads; a longer one is cut.
const pdfNameMax = 63

// clamSkipsImage reports whether ClamAV leaves the stream of the object
// whose text is text (from after "obj" to its first "endobj", as ClamAV
// delimits an object) unextracted as an image that is not a JPEG. Where
// ClamAV would find the dictionary by a looser search than a "<<" after
// white space, or finds it unterminated, it answers false: the stream is
// scanned.
func clamSkipsImage(text []byte) bool {
	p := 0
	for p < len(text) && isPDFSpace(text[p]) {
		p++
	}
	if !bytes.HasPrefix(text[p:], []byte("<<")) {
		return false
	}
	dict := p + 2
	end, ok := clamDictEnd(text, dict)
	if !ok {
		return false
	}
	image, jpeg := false, false
	state := nsNone
	var name [pdfNameMax]byte
	q, left := dict, end-dict
	for left > 0 {
		k := bytes.IndexByte(text[q:q+left], '/')
		if k < 0 {
			break
		}
		q, left = q+k, left-k
		n := 0
	read:
		for ; left > 0 && n < pdfNameMax; n++ {
			q++
			left--
			c := text[q]
			if c == '#' {
				b, ok := pdfHexByte(text, q+1)
				if !ok {
					break
				}
				name[n] = b
				q += 2
				left -= 2
				continue
			}
			switch c {
			case ' ', '\t', '\r', '\n', '/', '>', '[', ']', '<', '(':
				break read
			}
			name[n] = c
		}
		nm := string(name[:n])
		if nm == "URI" && state == nsS {
			state = nsNone
			continue
		}
		if a, ok := pdfNameActs[nm]; ok {
			switch {
			case a.from == state || a.from == nsAny:
				state = a.to
				image = image || a.image
				jpeg = jpeg || a.jpeg
			case state == nsS:
				state = nsNone
			}
		}
		switch state {
		case nsLinearized:
			state = nsNone
		case nsJavaScript, nsOpenAction, nsContents, nsURI:
			if left > 0 {
				state = nsNone
			}
		}
	}
	return image && !jpeg
}

// clamDictEnd finds where the dictionary opened just before text[dict]
// ends as ClamAV's parser finds it: the ">>" that closes as many "<<" as
// were opened, counting naively (a ">>" inside a string counts too).
func clamDictEnd(text []byte, dict int) (int, bool) {
	last := len(text) - 1 // ClamAV's end of the object, exclusive
	q, opens := dict, 1
	close := -1
	for q < last-1 && opens > 0 {
		k := bytes.IndexByte(text[q:last], '>')
		if k < 0 {
			break
		}
		c := q + k
		if c+1 < len(text) && text[c+1] == '>' {
			for {
				o := bytes.IndexByte(text[q-1:c], '<')
				if o < 0 {
					break
				}
				o += q - 1
				if o+1 < len(text) && text[o+1] == '<' {
					opens++
				}
				q = o + 2
			}
			opens--
			close = c
			q = c + 2
		} else {
			q = c + 2
		}
	}
	if opens > 0 || close < 0 {
		return 0, false
	}
	return close, true
}

// pdfHexByte decodes the two hex digits at text[i:], as a "#xx" escape in
// a name.
func pdfHexByte(text []byte, i int) (byte, bool) {
	if i+1 >= len(text) {
		return 0, false
	}
	hi, ok1 := hexVal(text[i])
	lo, ok2 := hexVal(text[i+1])
	return hi<<4 | lo, ok1 && ok2
}
