package mailmime

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf16"
)

var updateTNEF = flag.Bool("update-tnef", false, "rewrite testdata/tnef.eml from the TNEF builder")

// tnefBuilder writes TNEF streams for tests, from the format facts in
// tnef.go (it shares no code with the reader beyond the constants).
type tnefBuilder struct{ bytes.Buffer }

func newTNEF() *tnefBuilder {
	b := &tnefBuilder{}
	binary.Write(b, binary.LittleEndian, uint32(tnefSignature))
	binary.Write(b, binary.LittleEndian, uint16(0x0001))
	return b
}

func (b *tnefBuilder) attr(level byte, id uint32, data []byte) *tnefBuilder {
	b.WriteByte(level)
	binary.Write(b, binary.LittleEndian, id)
	binary.Write(b, binary.LittleEndian, uint32(len(data)))
	b.Write(data)
	var sum uint16
	for _, c := range data {
		sum += uint16(c)
	}
	binary.Write(b, binary.LittleEndian, sum)
	return b
}

// mapiProps encodes a property list; each prop is (type, tag, value).
type mapiProp struct {
	typ, tag uint16
	val      []byte
}

func mapiProps(props ...mapiProp) []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	binary.Write(&b, le, uint32(len(props)))
	for _, p := range props {
		binary.Write(&b, le, p.typ)
		binary.Write(&b, le, p.tag)
		switch p.typ {
		case ptString8, ptUnicode, ptBinary, ptObject:
			binary.Write(&b, le, uint32(1))
			binary.Write(&b, le, uint32(len(p.val)))
			b.Write(p.val)
			for b.Len()%4 != 0 {
				b.WriteByte(0)
			}
		default:
			b.Write(p.val)
		}
	}
	return b.Bytes()
}

func utf16le(s string) []byte {
	var b bytes.Buffer
	for _, u := range utf16.Encode([]rune(s + "\x00")) {
		binary.Write(&b, binary.LittleEndian, u)
	}
	return b.Bytes()
}

// sampleTNEF holds: an attachment with title and data; one whose long
// name comes from MAPI props (Unicode) after a short title; and an
// embedded message whose own TNEF stream carries an attachment.
func sampleTNEF() []byte {
	inner := newTNEF().
		attr(2, attAttachRendData, make([]byte, 14)).
		attr(2, attAttachTitle, []byte("inner.txt\x00")).
		attr(2, attAttachData, []byte("inner attachment data"))
	obj := append(make([]byte, 16), inner.Bytes()...)
	return newTNEF().
		attr(1, 0x00089006, []byte{1, 0, 0, 0}).
		attr(2, attAttachRendData, make([]byte, 14)).
		attr(2, attAttachTitle, []byte("report.doc\x00")).
		attr(2, attAttachData, []byte("first attachment bytes")).
		attr(2, attAttachRendData, make([]byte, 14)).
		attr(2, attAttachTitle, []byte("LONGFI~1.XLS\x00")).
		attr(2, attAttachData, []byte("second attachment bytes")).
		attr(2, attAttachment, mapiProps(
			mapiProp{0x0003, 0x0E20, []byte{23, 0, 0, 0}}, // PR_ATTACH_SIZE
			mapiProp{ptUnicode, prAttachLongFilename, utf16le("Long file name – Ünïcode.xls")},
		)).
		attr(2, attAttachRendData, make([]byte, 14)).
		attr(2, attAttachment, mapiProps(
			mapiProp{ptString8, prAttachFilename, []byte("EMBED.MSG\x00")},
			mapiProp{ptObject, prAttachDataObj, obj},
		)).
		Bytes()
}

func TestReadTNEF(t *testing.T) {
	full := sampleTNEF()
	tests := []struct {
		name    string
		data    []byte
		want    []Embedded
		wantErr error
	}{
		{"full", full, []Embedded{
			{"report.doc", "tnef", []byte("first attachment bytes")},
			{"Long file name – Ünïcode.xls", "tnef", []byte("second attachment bytes")},
			{"EMBED.MSG", "tnef", append(make([]byte, 16), newTNEF().attr(2, attAttachRendData, make([]byte, 14)).attr(2, attAttachTitle, []byte("inner.txt\x00")).attr(2, attAttachData, []byte("inner attachment data")).Bytes()...)},
			{"inner.txt", "tnef", []byte("inner attachment data")},
		}, nil},
		{"not tnef", []byte("\x89PNG\r\n\x1a\n"), nil, ErrNotTNEF},
		{"empty", nil, nil, ErrNotTNEF},
		{"truncated data", newTNEF().attr(2, attAttachRendData, nil).attr(2, attAttachTitle, []byte("cut.bin\x00")).attr(2, attAttachData, []byte("0123456789")).Bytes()[:6+11+19+9+5],
			[]Embedded{{"cut.bin", "tnef", []byte("01234")}}, ErrBadTNEF}, // keeps the bytes it has
		{"truncated header", full[:10], nil, ErrBadTNEF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadTNEF(tt.data)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d attachments %+v, want %d", len(got), got, len(tt.want))
			}
			for i := range got {
				if got[i].Name != tt.want[i].Name || got[i].Kind != tt.want[i].Kind || !bytes.Equal(got[i].Data, tt.want[i].Data) {
					t.Errorf("attachment %d = %q %s %q, want %q %s %q", i, got[i].Name, got[i].Kind, got[i].Data, tt.want[i].Name, tt.want[i].Kind, tt.want[i].Data)
				}
			}
		})
	}
}

// TestTNEFCorpus reads the corpus TNEF parts: the real winmail.dat parts
// parse cleanly (they carry only message properties, no attachments), and
// the mislabelled PNG is reported as not TNEF.
func TestTNEFCorpus(t *testing.T) {
	for _, tt := range []struct {
		file    string
		wantErr error
	}{
		{"mimekit/tnef/ukr.eml", nil},
		{"sisimai/bsd/lhost-amazonworkmail-01.eml", nil},
		{"mail-mime-parser-php/m4006.txt", ErrNotTNEF},
	} {
		data, err := os.ReadFile(filepath.Join(corpusDir, tt.file))
		if err != nil {
			t.Skip(err)
		}
		root, _ := Parse(data)
		n := 0
		_ = Walk(root, func(p *Part) error {
			if !p.IsTNEF() {
				return nil
			}
			n++
			if _, err := p.TNEF(); !errors.Is(err, tt.wantErr) {
				t.Errorf("%s: TNEF() err = %v, want %v", tt.file, err, tt.wantErr)
			}
			return nil
		})
		if n != 1 {
			t.Errorf("%s: %d TNEF parts, want 1", tt.file, n)
		}
	}
}

func TestWriteTNEFFixture(t *testing.T) {
	if !*updateTNEF {
		t.Skip("run with -update-tnef to rewrite testdata/tnef.eml")
	}
	var b bytes.Buffer
	b.WriteString("From: a@example.com\r\nSubject: tnef\r\nContent-Type: multipart/mixed; boundary=t\r\n\r\n--t\r\nContent-Type: text/plain\r\n\r\nsee attachment\r\n--t\r\n")
	b.WriteString("Content-Type: application/ms-tnef; name=\"winmail.dat\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString(sampleTNEF())
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--t--\r\n")
	if err := os.WriteFile("testdata/tnef.eml", b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func FuzzTNEF(f *testing.F) {
	f.Add(sampleTNEF())
	f.Add([]byte{0x78, 0x9f, 0x3e, 0x22, 0, 0})
	f.Add([]byte("not tnef"))
	f.Fuzz(func(t *testing.T, data []byte) {
		atts, err := ReadTNEF(data)
		if err != nil && !errors.Is(err, ErrNotTNEF) && !errors.Is(err, ErrBadTNEF) {
			t.Fatalf("unexpected error %v", err)
		}
		total := 0
		for _, a := range atts {
			total += len(a.Data)
		}
		// Nested streams repeat their bytes once per level at most.
		if total > len(data)*(maxTNEFNesting+1) {
			t.Fatalf("%d bytes of attachments from %d bytes of input", total, len(data))
		}
	})
}
