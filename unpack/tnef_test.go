package unpack

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/sigtool/sigtool/mailmime"
)

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
		want    []tnefFile
		wantErr error
	}{
		{"full", full, []tnefFile{
			{"report.doc", []byte("first attachment bytes")},
			{"Long file name – Ünïcode.xls", []byte("second attachment bytes")},
			{"EMBED.MSG", append(make([]byte, 16), newTNEF().attr(2, attAttachRendData, make([]byte, 14)).attr(2, attAttachTitle, []byte("inner.txt\x00")).attr(2, attAttachData, []byte("inner attachment data")).Bytes()...)},
			{"inner.txt", []byte("inner attachment data")},
		}, nil},
		{"not tnef", []byte("\x89PNG\r\n\x1a\n"), nil, ErrFormat},
		{"empty", nil, nil, ErrFormat},
		{"truncated data", newTNEF().attr(2, attAttachRendData, nil).attr(2, attAttachTitle, []byte("cut.bin\x00")).attr(2, attAttachData, []byte("0123456789")).Bytes()[:6+11+19+9+5],
			[]tnefFile{{"cut.bin", []byte("01234")}}, ErrCorrupt}, // keeps the bytes it has
		{"trailing bytes", append(bytes.Clone(full[:6]), 1, 2, 3), nil, nil},
		{"truncated attribute", full[:6+9+3], nil, ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readTNEF(tt.data, 0)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d attachments %+v, want %d", len(got), got, len(tt.want))
			}
			for i := range got {
				if got[i].name != tt.want[i].name || !bytes.Equal(got[i].data, tt.want[i].data) {
					t.Errorf("attachment %d = %q %q, want %q %q", i, got[i].name, got[i].data, tt.want[i].name, tt.want[i].data)
				}
			}
		})
	}
}

// TestTNEFCorpus reads the corpus TNEF parts: the real winmail.dat parts
// parse cleanly (they carry only message properties, no attachments), and
// the mislabelled PNG is not TNEF.
func TestTNEFCorpus(t *testing.T) {
	for _, tt := range []struct {
		file    string
		wantErr error
	}{
		{"mimekit/tnef/ukr.eml", nil},
		{"sisimai/bsd/lhost-amazonworkmail-01.eml", nil},
		{"mail-mime-parser-php/m4006.txt", ErrFormat},
	} {
		data, err := os.ReadFile(filepath.Join("../../shared/corpus/mail", tt.file))
		if err != nil {
			t.Skip(err)
		}
		root, _ := mailmime.Parse(data)
		n := 0
		_ = mailmime.Walk(root, func(p *mailmime.Part) error {
			if p.ContentType != "application/ms-tnef" && !strings.EqualFold(p.Filename, "winmail.dat") {
				return nil
			}
			n++
			body, _ := p.Decode()
			if _, err := readTNEF(body, 0); !errors.Is(err, tt.wantErr) {
				t.Errorf("%s: err = %v, want %v", tt.file, err, tt.wantErr)
			}
			if want := tt.wantErr == nil; (Identify(body) == Tnef) != want {
				t.Errorf("%s: Identify = %s", tt.file, Identify(body))
			}
			return nil
		})
		if n != 1 {
			t.Errorf("%s: %d TNEF parts, want 1", tt.file, n)
		}
	}
}

// TestWalkTNEF: Walk yields a TNEF stream's attachments as members.
func TestWalkTNEF(t *testing.T) {
	data := sampleTNEF()
	var names []string
	info, err := Walk(context.Background(), Identify(data), Bytes(data), int64(len(data)), DefaultLimits(), func(m Member) error {
		names = append(names, m.Name)
		return nil
	})
	if err != nil || info.Format != Tnef || info.MemberCount != 4 {
		t.Fatalf("Walk: %+v %v", info, err)
	}
	if strings.Join(names, "|") != "report.doc|Long file name – Ünïcode.xls|EMBED.MSG|inner.txt" {
		t.Fatalf("members %q", names)
	}
}

func FuzzTNEF(f *testing.F) {
	f.Add(sampleTNEF())
	f.Add([]byte{0x78, 0x9f, 0x3e, 0x22, 0, 0})
	f.Add([]byte("not tnef"))
	f.Fuzz(func(t *testing.T, data []byte) {
		atts, err := readTNEF(data, 0)
		if err != nil && !errors.Is(err, ErrFormat) && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("unexpected error %v", err)
		}
		total := 0
		for _, a := range atts {
			total += len(a.data)
		}
		// Nested streams repeat their bytes once per level at most.
		if total > len(data)*(maxTNEFNesting+1) {
			t.Fatalf("%d bytes of attachments from %d bytes of input", total, len(data))
		}
	})
}
