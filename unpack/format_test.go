package unpack

import (
	"bytes"
	"encoding/binary"
	"io"
	"strings"
	"testing"
)

func TestIdentify(t *testing.T) {
	files := []testFile{{"a.txt", "hello"}}
	ustar := buildTar(t, files)
	// A v7 header has no magic: clear it and fix the checksum.
	v7 := bytes.Clone(ustar)
	copy(v7[257:265], make([]byte, 8))
	copy(v7[148:156], "        ")
	var sum int
	for _, c := range v7[:512] {
		sum += int(c)
	}
	copy(v7[148:156], []byte(octal6(sum)+"\x00 "))
	badSum := bytes.Clone(ustar)
	badSum[0] ^= 1

	tests := []struct {
		name string
		head []byte
		want Format
	}{
		{"zip", buildZip(t, files), Zip},
		{"empty zip", buildZip(t, nil), Zip},
		{"ustar", ustar, Tar},
		{"v7 tar", v7, Tar},
		{"tar with bad checksum", badSum, Unknown},
		{"gzip", gzipBytes(t, "a", []byte("x")), Gzip},
		{"bzip2", readTestdata(t, "hello.txt.bz2"), Bzip2},
		{"bzip2 look-alike text", []byte("BZh9 is not a bzip2 stream"), Unknown},
		{"xz", xzBytes(t, []byte("x")), Xz},
		{"7z", readTestdata(t, "plain.7z"), SevenZip},
		{"rar4", rar4(nil), Rar},
		{"rar5", rar5(nil, false), Rar},
		{"text", []byte("hello world"), Unknown},
		{"empty", nil, Unknown},
		{"zeros", make([]byte, 1024), Unknown},
		{"short zip magic", []byte("PK\x03"), Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Identify(tt.head); got != tt.want {
				t.Errorf("Identify = %v, want %v", got, tt.want)
			}
		})
	}
}

func octal6(n int) string {
	s := []byte("000000")
	for i := 5; i >= 0; i-- {
		s[i] = byte('0' + n&7)
		n >>= 3
	}
	return string(s)
}

func TestFormatString(t *testing.T) {
	for f, want := range map[Format]string{Zip: "zip", SevenZip: "7z", Rar: "rar", Format(99): "Format(99)"} {
		if f.String() != want {
			t.Errorf("%d.String() = %q, want %q", int(f), f.String(), want)
		}
	}
}

func TestStreamName(t *testing.T) {
	for in, want := range map[string]string{
		"report.pdf.gz":    "report.pdf",
		"dir/a.TGZ":        "a.tar",
		"x.tar.bz2":        "x.tar",
		`C:\in\data.xz`:    "data",
		"noext":            "noext",
		".gz":              ".gz",
		"archive.tbz2":     "archive.tar",
		"outer.zip!in.txz": "outer.zip!in.tar",
	} {
		if got := StreamName(in); got != want {
			t.Errorf("StreamName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestZipBehindData: a zip after other bytes (junk put there to hide it,
// a split archive's last part) is found by its end record and read.
func TestZipBehindData(t *testing.T) {
	z := buildZip(t, []testFile{{"a.exe", "MZ hidden"}})
	for _, prefix := range []string{"junk before the zip ", strings.Repeat("\x00", 5000)} {
		data := append([]byte(prefix), z...)
		if f := IdentifyReader(data[:min(len(data), HeadSize)], Bytes(data), int64(len(data))); f != Zip {
			t.Fatalf("IdentifyReader = %s", f)
		}
		members, _, err := walkAll(t, Zip, data, DefaultLimits())
		if err != nil || len(members) != 1 || members[0].data != "MZ hidden" {
			t.Errorf("%v %+v", err, members)
		}
	}
	// An end record that does not end the file (its comment length off) is
	// not taken for one.
	bad := append([]byte("x"), z...)
	bad = append(bad, "trailing"...)
	if f := IdentifyReader(bad[:min(len(bad), HeadSize)], Bytes(bad), int64(len(bad))); f == Zip {
		t.Errorf("trailing bytes: %s", f)
	}
}

// TestZipByEnd: the end record is found with and without a comment (up to
// the largest), in memory and through a plain io.ReaderAt (a file), and a
// record whose comment length does not reach the end is not one.
func TestZipByEnd(t *testing.T) {
	z := buildZip(t, []testFile{{"a.exe", "MZ hidden"}})
	withComment := func(c string) []byte {
		d := append([]byte("junk "), z...)
		binary.LittleEndian.PutUint16(d[len(d)-2:], uint16(len(c)))
		return append(d, c...)
	}
	for _, tc := range []struct {
		name string
		data []byte
		want bool
	}{
		{"no comment", withComment(""), true},
		{"comment", withComment("a comment"), true},
		{"comment holding a record", withComment("PK\x05\x06 inside"), true},
		{"largest comment", withComment(strings.Repeat("c", 0xffff)), true},
		{"comment longer than said", append(withComment("abc"), 'x'), false},
		{"comment shorter than said", withComment("abc")[:len(withComment("abc"))-1], false},
		{"record alone", []byte("PK\x05\x06" + strings.Repeat("\x00", 18)), true},
		{"too short", []byte("PK\x05\x06"), false},
	} {
		for _, r := range []io.ReaderAt{Bytes(tc.data), bytes.NewReader(tc.data)} {
			if got := zipByEnd(r, int64(len(tc.data))); got != tc.want {
				t.Errorf("%s (%T): %v, want %v", tc.name, r, got, tc.want)
			}
		}
	}
}
