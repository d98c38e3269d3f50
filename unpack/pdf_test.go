package unpack

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
)

func TestPDFStreams(t *testing.T) {
	text := []byte("BT /F1 12 Tf (Hello) Tj ET")
	payload := []byte("MZ\x90\x00 an attached program")
	rows := []byte{0, 'a', 'b', 'c', 'd', 0, 'e', 'f', 'g', 'h'}
	data := pdfWithPage(text,
		pdfTestObj{dict: "<< /Type /EmbeddedFile >>", stream: payload}, // 5
		pdfTestObj{dict: "<< /Type /Filespec /F (old.bin) /UF (\xfe\xff\x00e\x00v\x00i\x00l\x00.\x00e\x00x\x00e) /EF << /F 5 0 R >> >>"},
		pdfTestObj{dict: "<< /S /JavaScript /JS (app.alert\\(1\\)) >>"},                                                                   // 7
		pdfTestObj{dict: "<< /Filter [/AHx /FlateDecode] >>", stream: []byte(hex.EncodeToString(zlibBytes([]byte("two filters"))) + ">")}, // 8
		pdfTestObj{stream: []byte("raw data with endobj inside"), badLength: true},                                                        // 9
		pdfTestObj{dict: "<< /Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 4 >> >>", stream: zlibBytes(rows)},               // 10
		pdfTestObj{dict: "<< /Type /XObject /Subtype /Image /Filter /DCTDecode >>", stream: []byte("\xff\xd8\xff not decoded")},
	)
	if Identify(data) != PDF {
		t.Fatalf("Identify = %s", Identify(data))
	}
	members, info, err := walkAll(t, PDF, data, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"obj-4-0":          string(text),
		"obj-5-0/evil.exe": string(payload),
		"obj-7-0.js":       "app.alert(1)",
		"obj-8-0":          "two filters",
		"obj-9-0":          "raw data with endobj inside",
		"obj-10-0":         "abcdefgh",
	}
	if len(members) != len(want) || info.MemberCount != len(want) {
		t.Errorf("%d members (count %d), want %d: %+v", len(members), info.MemberCount, len(want), members)
	}
	for name, w := range want {
		m := findMember(members, name)
		if m == nil || m.data != w || m.err != nil {
			t.Errorf("%s: got %+v, want %q", name, m, w)
		}
	}
}

// TestPDFLenient: objects the cross-reference table does not list, a
// /Length given by a later object, junk before the header.
func TestPDFLenient(t *testing.T) {
	data := []byte("garbage first\n%PDF-1.4\n" +
		"1 0 obj << /Length 2 0 R >>\nstream\nforward length\nendstream endobj\n" +
		"2 0 obj 14 endobj\n" +
		"3 0 obj<</Filter/FlateDecode>>stream\r\n" + string(zlibBytes([]byte("no xref at all"))) + "\r\nendstream\nendobj\n")
	members, _, err := walkAll(t, Identify(data), data, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if m := findMember(members, "obj-1-0"); m == nil || m.data != "forward length" {
		t.Errorf("indirect length: %+v", m)
	}
	if m := findMember(members, "obj-3-0"); m == nil || m.data != "no xref at all" {
		t.Errorf("no xref: %+v", m)
	}
}

// TestPDFDamagedStream: a stream that fails to decode is yielded with the
// error, so the scan reports it instead of calling the file clean.
func TestPDFDamagedStream(t *testing.T) {
	bad := zlibBytes([]byte("unreadable"))
	bad[1] ^= 0x01 // the zlib header check fails
	data := pdfWithPage([]byte("page"),
		pdfTestObj{dict: "<< /Filter /FlateDecode >>", stream: bad},
		pdfTestObj{dict: "<< /Filter /NoSuchDecode >>", stream: []byte("x")})
	members, _, _ := walkAll(t, PDF, data, DefaultLimits())
	if m := findMember(members, "obj-5-0"); m == nil || !errors.Is(m.err, ErrCorrupt) {
		t.Errorf("damaged flate: %+v", m)
	}
	if m := findMember(members, "obj-6-0"); m == nil || !errors.Is(m.err, ErrUnsupported) || m.data != "x" {
		t.Errorf("unknown filter: %+v", m)
	}
}

// TestPDFInflateBomb: a stream that inflates 1000 times stops at the
// ratio limit, decoding no more than the ratio allows.
func TestPDFInflateBomb(t *testing.T) {
	zeros := make([]byte, 40<<20)
	comp := zlibBytes(zeros)
	if r := len(zeros) / len(comp); r < 900 {
		t.Fatalf("test stream inflates only %dx", r)
	}
	data := pdfWithPage([]byte("page"), pdfTestObj{dict: "<< /Filter /FlateDecode >>", stream: comp})
	start := time.Now()
	members, _, err := walkAll(t, PDF, data, DefaultLimits())
	if limitOf(err) != LimitRatio {
		t.Fatalf("walk err = %v, want the ratio limit", err)
	}
	m := findMember(members, "obj-5-0")
	if m == nil || limitOf(m.err) != LimitRatio {
		t.Fatalf("bomb member: %+v", m)
	}
	if max := DefaultLimits().MaxRatio * int64(len(data)); int64(len(m.data)) > max {
		t.Errorf("decoded %d bytes, more than the ratio allows (%d)", len(m.data), max)
	}
	t.Logf("stopped after %d bytes in %v", len(m.data), time.Since(start))
}

// TestPDFEncrypted: files encrypted by pdfcpu (a third-party writer) with
// an owner password only open with the empty user password, for each
// cipher; a file with a user password is reported encrypted.
func TestPDFEncrypted(t *testing.T) {
	model.ConfigPath = "disable"
	text := []byte("BT /F1 12 Tf (Secret page text) Tj ET")
	plain := pdfWithPage(text)
	for _, tc := range []struct {
		name string
		conf *model.Configuration
	}{
		{"rc4-40", model.NewRC4Configuration("", "owner", 40)},
		{"rc4-128", model.NewRC4Configuration("", "owner", 128)},
		{"aes-128", model.NewAESConfiguration("", "owner", 128)},
		{"aes-256", model.NewAESConfiguration("", "owner", 256)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := api.Encrypt(bytes.NewReader(plain), &out, tc.conf); err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(out.Bytes(), []byte("/Encrypt")) == false {
				t.Fatal("pdfcpu did not encrypt")
			}
			members, info, err := walkAll(t, PDF, out.Bytes(), DefaultLimits())
			if err != nil || info.Encrypted {
				t.Fatalf("err %v, encrypted %v", err, info.Encrypted)
			}
			var found bool
			for _, m := range members {
				found = found || strings.Contains(m.data, "Secret page text")
			}
			if !found {
				t.Errorf("page text not decrypted: %+v", members)
			}
		})
	}
	var out bytes.Buffer
	if err := api.Encrypt(bytes.NewReader(plain), &out, model.NewAESConfiguration("user", "owner", 256)); err != nil {
		t.Fatal(err)
	}
	_, info, err := walkAll(t, PDF, out.Bytes(), DefaultLimits())
	if !info.Encrypted || !errors.Is(err, ErrEncrypted) {
		t.Errorf("user password: encrypted %v, err %v", info.Encrypted, err)
	}
}

func FuzzWalkPDF(f *testing.F) {
	f.Add(pdfWithPage([]byte("BT (x) Tj ET"),
		pdfTestObj{dict: "<< /Type /EmbeddedFile >>", stream: []byte("payload")},
		pdfTestObj{dict: "<< /F (a.exe) /EF << /F 5 0 R >> >>"},
		pdfTestObj{dict: "<< /JS (app.alert\\(1\\)) >>"},
		pdfTestObj{dict: "<< /Filter [/AHx /Fl] >>", stream: []byte(hex.EncodeToString(zlibBytes([]byte("ab"))))},
		pdfTestObj{dict: "<< /Filter /LZWDecode >>", stream: []byte{0x80, 0x0b, 0x60, 0x50, 0x22, 0x0c, 0x0c, 0x85, 0x01}},
		pdfTestObj{dict: "<< /Filter /RunLengthDecode >>", stream: []byte{2, 'a', 'b', 'c', 0xfe, 'd', 0x80}},
		pdfTestObj{dict: "<< /Filter /ASCII85Decode >>", stream: []byte("87cURD]i,\"Ebo80~>")},
	))
	f.Add([]byte("%PDF-1.4\n1 0 obj << /Length 2 0 R >> stream\nabc\nendstream endobj 2 0 obj 3 endobj"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzWalk(t, PDF, data) })
}
