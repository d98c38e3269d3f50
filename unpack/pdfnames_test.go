package unpack

import "testing"

// TestClamSkipsImage: ClamAV's name machine on object dictionaries
// (libclamav/pdf.c handle_pdfname), quirks included.
func TestClamSkipsImage(t *testing.T) {
	tests := []struct {
		text string
		want bool
	}{
		{" << /Type /XObject /Subtype /Image /Width 8 /Filter /FlateDecode /Length 5 >>\nstream\nxxxxx\nendstream\n", true},
		{"<</Subtype/Image/Filter/FlateDecode/DecodeParms<</Predictor 15/Columns 8>>/Length 5>>stream", true},
		// Image is taken only outside a filter list; /Length ends one.
		{"<< /Filter /FlateDecode /Subtype /Image /Length 5 >>", false},
		{"<< /Filter /FlateDecode /Length 5 /Subtype /Image >>", true},
		{"<< /Filter [/FlateDecode] /Length 5 /Subtype /Image >>", true},
		// JPEG-like filters are extracted.
		{"<< /Subtype /Image /Filter /DCTDecode >>", false},
		{"<< /Subtype /Image /Filter [/FlateDecode /DCTDecode] >>", false},
		{"<< /Subtype /Image /Filter /JBIG2Decode >>", false},
		{"<< /Subtype /Image /Filter /JPXDecode >>", true},
		// Names are read with their #xx escapes.
		{"<< /Subtype /Im#61ge /Filter /FlateDecode >>", true},
		{"<< /Subtype /ImageMask /Filter /FlateDecode >>", false},
		{"<< /Filter /FlateDecode /Length 9 >>", false},
		// After /S only /URI is taken, and any other known name resets it.
		{"<< /S /Image >>", false},
		{"<< /S /URI /Image >>", true},
		// The dictionary as ClamAV finds it: it must close, and a ">>" in a
		// string closes it.
		{"<< /Subtype /Image /Filter /FlateDecode ", false},
		{"<< /Title (a>>b) /Subtype /Image >>", false},
		{"% a comment first\n<< /Subtype /Image >>", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := clamSkipsImage([]byte(tt.text)); got != tt.want {
			t.Errorf("%q: %v, want %v", tt.text, got, tt.want)
		}
	}
}

// TestPDFImagesNotYielded: an inflated image is not a member (ClamAV never
// scans one); the same bytes in a stream that is no image are.
func TestPDFImagesNotYielded(t *testing.T) {
	pixels := []byte("pixels that ClamAV never decodes")
	data := pdfWithPage([]byte("BT ET"),
		pdfTestObj{dict: "<< /Type /XObject /Subtype /Image /Width 4 /Height 8 /Filter /FlateDecode >>", stream: zlibBytes(pixels)}, // 5
		pdfTestObj{dict: "<< /Filter /FlateDecode /Subtype /Image >>", stream: zlibBytes(pixels)},                                   // 6
		pdfTestObj{dict: "<< /Filter /FlateDecode >>", stream: zlibBytes(pixels)},                                                   // 7
	)
	members, _, err := walkAll(t, PDF, data, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if m := findMember(members, "obj-5-0"); m != nil {
		t.Errorf("image obj-5-0 yielded: %q", m.data)
	}
	for _, name := range []string{"obj-6-0", "obj-7-0"} {
		if m := findMember(members, name); m == nil || m.data != string(pixels) {
			t.Errorf("%s: got %+v, want the inflated stream", name, m)
		}
	}
}
