package filetype

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
)

// tarHeader builds a 512-byte v7 tar header (no ustar magic) with a right
// checksum, or a wrong one.
func tarHeader(good bool) []byte {
	h := make([]byte, 512)
	copy(h, "file.txt")
	copy(h[100:], "0000644\x00")
	copy(h[124:], "00000000005\x00")
	sum := 0
	for i, c := range h {
		if i >= 148 && i < 156 {
			c = ' '
		}
		sum += int(c)
	}
	if !good {
		sum++
	}
	copy(h[148:], fmt.Sprintf("%06o\x00 ", sum))
	return h
}

func utf16le(s string) []byte {
	var b []byte
	for _, r := range s {
		b = binary.LittleEndian.AppendUint16(b, uint16(r))
	}
	return b
}

func TestIdentify(t *testing.T) {
	pe := append([]byte("MZ"), make([]byte, 200)...)
	tests := []struct {
		name string
		head []byte
		want Type
	}{
		{"empty", nil, TextASCII},
		{"ascii", []byte("hello, world\r\n\t\x1b"), TextASCII},
		{"high bytes are ascii", []byte("caf\xe9 \x85 \x9c"), TextASCII},
		{"vertical tab", []byte("a\x0bb"), TextUTF16BE}, // no ASCII, no UTF-8, and one unit only
		{"utf8 with a control is utf16 by the odd rule", []byte("h\xc3\xa9llo\x0b"), TextUTF16BE},
		{"utf8 is ascii for ClamAV", []byte("h\xc3\xa9llo"), TextASCII},
		{"binary utf8", []byte("h\xc3\xa9llo\x00\x01"), BinaryData},
		{"binary", []byte("\x00\x00\x00\x01\x00\x02\x00\x03"), BinaryData},
		{"utf16 without bom", []byte("\x01\x02AB\x00C"), TextUTF16BE},
		{"utf16le bom", append([]byte{0xff, 0xfe}, utf16le("plain text")...), TextUTF16LE},
		{"pe", pe, MSEXE},
		{"damaged pe", []byte("MZ\x00\x00garbage"), MSEXE},
		{"elf", []byte("\x7fELF\x02\x01\x01"), ELF},
		{"elf, nothing else", []byte("\x7fELF"), ELF},
		{"gzip", []byte{0x1f, 0x8b, 8, 0}, GZ},
		{"zip", append([]byte("PK\x03\x04"), make([]byte, 60)...), Zip},
		{"docx head", append(append([]byte("PK\x03\x04"), make([]byte, 26)...), []byte("word/document.xml and more room for the head to be long enough")...), OOXMLWord},
		{"short zip head", append(append([]byte("PK\x03\x04"), make([]byte, 26)...), []byte("word/document.xml")...), Zip},
		{"ole2", []byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1}, MSOLE2},
		{"pdf", []byte("%PDF-1.7\n"), PDF},
		{"pdf after junk", []byte("junk\n%PDF-1.4\n"), PDF},
		{"rtf", []byte(`{\rtf1\ansi`), RTF},
		{"png", []byte("\x89PNG\r\n\x1a\n"), PNG},
		{"gif", []byte("GIF89a"), GIF},
		{"jpeg", []byte{0xff, 0xd8, 0xff, 0xe0}, JPEG},
		{"bmp", []byte("BM\x00\x00"), Graphics},
		{"swf", []byte("CWS\x09"), SWF},
		{"java", []byte{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0x34}, Java},
		{"mach-o fat", []byte{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2}, MachOUnibin},
		{"mach-o", []byte{0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1}, MachO},
		{"mail", []byte("Received: from x\nSubject: y\n\nbody\n"), Mail},
		{"mbox", []byte("From someone Mon Jan  1 00:00:00 2024\n"), Mail},
		{"mail headers later", []byte("X-Foo: bar\nFrom: a@b\nMIME-Version: 1.0\n"), Mail},
		{"html", []byte("<!doctype html>\n<html><body>hi</body></html>"), HTML},
		{"html script tag", []byte("text <script>alert(1)</script>"), HTML},
		{"html tag needs no end", []byte("text <scripting>"), HTML},
		{"html a href", []byte("see <a class=x href=\"y\">"), HTML},
		{"html in utf16", utf16le("<html><body>"), HTMLUTF16},
		{"posix tar magic", append(make([]byte, 257), []byte("ustar\x0000")...), PosixTar},
		{"old tar", tarHeader(true), OldTar},
		{"bad tar checksum", tarHeader(false), BinaryData},
		{"script ini wins as tar", []byte("[aliases]\nx=y\n"), PosixTar},
		{"mp3 is ignored", []byte("ID3\x03\x00"), Ignored},
		{"embedded pe in data", append(append([]byte("\x00\x00\x00\x01junk"), pe[:64]...), []byte("PE\x00\x00")...), MSEXE},
		{"zip behind data is not the type", append([]byte("\x00\x00\x00\x01 data "), []byte("PK\x03\x04")...), BinaryData},
	}
	for _, tt := range tests {
		if got := Identify(tt.head); got != tt.want {
			t.Errorf("%s: Identify = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestFound(t *testing.T) {
	long := bytes.Repeat([]byte("plain text line\n"), 200) // past the head
	tests := []struct {
		name string
		data []byte
		t    Type
		want Type
	}{
		{"html later in text", append(bytes.Clone(long), "<script>x</script>"...), TextASCII, HTML},
		{"no html", long, TextASCII, Any},
		{"html in binary is not retyped", append(bytes.Clone(long), "<script>x</script>"...), BinaryData, Any},
		{"html in gif", append([]byte("GIF89a"), "<iframe src=x>"...), GIF, HTML},
		{"pe after html wins", append(append(bytes.Clone(long), "<script>"...), "MZ"+strings.Repeat("x", 70)+"PE\x00\x00"...), TextASCII, Any},
		{"mail headers near the start", []byte("hello\nfrom: a@b\nmime-version: 1.0\n"), TextASCII, Mail},
		{"window border", append(bytes.Repeat([]byte("a"), foundWindow-3), "<html>"...), TextASCII, HTML},
	}
	for _, tt := range tests {
		got, err := Found(bytes.NewReader(tt.data), int64(len(tt.data)), tt.t)
		if err != nil || got != tt.want {
			t.Errorf("%s: Found = %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
}

func TestParseAndNames(t *testing.T) {
	for _, tt := range []struct {
		name string
		t    Type
		ok   bool
	}{
		{"CL_TYPE_ANY", Any, true}, {"CL_TYPE_MAIL", Mail, true}, {"CL_TYPE_7Z", SevenZip, true},
		{"CL_TYPE_ZIP", Zip, true}, {"CL_TYPE_IGNORED", Ignored, true}, {"CL_TYPE_ZSTD", Zstd, true},
		{"CL_TYPE_OTHER", 0, false}, {"CL_TYPE_ERROR", 0, false}, {"CL_TYPE_NOPE", 0, false}, {"ZIP", 0, false},
	} {
		got, ok := Parse(tt.name)
		if ok != tt.ok || got != tt.t {
			t.Errorf("Parse(%q) = %v, %v; want %v, %v", tt.name, got, ok, tt.t, tt.ok)
		}
		if ok && got.String() != tt.name {
			t.Errorf("%v.String() = %q", got, got.String())
		}
	}
	if got := Type(9999).String(); got != "Type(9999)" {
		t.Errorf("unknown type prints %q", got)
	}
	if Ignored.String() != "CL_TYPE_IGNORED" || TextASCII != 500 {
		t.Errorf("enumeration out of ClamAV's order: %d %s", TextASCII, Ignored)
	}
}

func TestTargets(t *testing.T) {
	for typ, want := range map[Type]int{
		Any: 0, MSEXE: 1, MSOLE2: 2, HTML: 3, Mail: 4, PNG: 5, Graphics: 5, ELF: 6,
		TextASCII: 7, TextUTF8: 0, MachO: 9, MachOUnibin: 9, PDF: 10, SWF: 11, Java: 12,
		Zip: 0, Other: 14,
	} {
		if got := typ.Target(); got != want {
			t.Errorf("%v.Target() = %d, want %d", typ, got, want)
		}
	}
}
