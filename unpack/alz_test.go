package unpack

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"strings"
	"testing"
)

type alzTestFile struct {
	name    string
	data    string
	method  byte // 0 stored, 2 deflate
	attr    byte
	desc    byte // flags besides the size width
	corrupt bool // a wrong CRC
}

// buildALZ writes an ALZ archive with 4-byte sizes, a central directory
// record and the end record.
func buildALZ(t testing.TB, files ...alzTestFile) []byte {
	out := []byte("ALZ\x01\x0a\x00\x00\x00")
	for _, f := range files {
		stored := []byte(f.data)
		if f.method == 2 {
			var z bytes.Buffer
			fw, _ := flate.NewWriter(&z, flate.BestCompression)
			if _, err := fw.Write(stored); err != nil {
				t.Fatal(err)
			}
			if err := fw.Close(); err != nil {
				t.Fatal(err)
			}
			stored = z.Bytes()
		}
		sum := crc32.ChecksumIEEE([]byte(f.data))
		if f.corrupt {
			sum ^= 1
		}
		out = binary.LittleEndian.AppendUint32(out, alzFile)
		out = binary.LittleEndian.AppendUint16(out, uint16(len(f.name)))
		out = append(out, f.attr|0x20, 0, 0, 0, 0, 0x40|f.desc, 0, f.method, 0)
		out = binary.LittleEndian.AppendUint32(out, sum)
		out = binary.LittleEndian.AppendUint32(out, uint32(len(stored)))
		out = binary.LittleEndian.AppendUint32(out, uint32(len(f.data)))
		out = append(out, f.name...)
		if f.desc&1 != 0 {
			out = append(out, make([]byte, 12)...)
		}
		out = append(out, stored...)
	}
	out = binary.LittleEndian.AppendUint32(out, alzCentral)
	out = append(out, make([]byte, 8)...)
	return binary.LittleEndian.AppendUint32(out, alzEnd)
}

func TestALZ(t *testing.T) {
	program := strings.Repeat("MZ a program in an ALZ archive ", 300)
	a := buildALZ(t,
		alzTestFile{name: "dir", attr: 0x10},
		alzTestFile{name: "dir\\a.exe", data: program, method: 2},
		alzTestFile{name: "b.txt", data: "stored"},
		alzTestFile{name: "secret", data: "xx", desc: 1},
	)
	if f := Identify(a); f != Alz {
		t.Fatalf("Identify = %s", f)
	}
	members, info, err := walkAll(t, Alz, a, DefaultLimits())
	if err != nil || info.MemberCount != 4 || len(members) != 3 {
		t.Fatalf("%v %+v %v", err, info, names(members))
	}
	if m := members[0]; m.name != `dir\a.exe` || m.data != program || m.err != nil {
		t.Errorf("deflated: %v", names(members[:1]))
	}
	if m := members[1]; m.name != "b.txt" || m.data != "stored" || m.err != nil {
		t.Errorf("stored: %v", names(members[1:2]))
	}
	if m := members[2]; !m.encrypted || !errors.Is(m.err, ErrEncrypted) {
		t.Errorf("encrypted: %+v", m)
	}
}

// TestALZDamaged: a wrong CRC, a cut archive, an unknown method or
// record, and sizes after the data are errors, never a clean member.
func TestALZDamaged(t *testing.T) {
	a := buildALZ(t, alzTestFile{name: "a", data: "some data", corrupt: true})
	members, _, err := walkAll(t, Alz, a, DefaultLimits())
	if err != nil || len(members) != 1 || !errors.Is(members[0].err, ErrCorrupt) {
		t.Errorf("bad CRC: %v %v", err, names(members))
	}
	good := buildALZ(t, alzTestFile{name: "a", data: "some data"}, alzTestFile{name: "b", data: "more"})
	if _, _, err := walkAll(t, Alz, good[:len(good)-20], DefaultLimits()); !errors.Is(err, ErrCorrupt) {
		t.Errorf("cut: %v", err)
	}
	members, _, _ = walkAll(t, Alz, buildALZ(t, alzTestFile{name: "a", data: "x", method: 7}), DefaultLimits())
	if len(members) != 1 || !errors.Is(members[0].err, ErrUnsupported) {
		t.Errorf("method 7: %v", names(members))
	}
	members, _, _ = walkAll(t, Alz, buildALZ(t, alzTestFile{name: "a", data: "x", desc: 8}), DefaultLimits())
	if len(members) != 1 || !errors.Is(members[0].err, ErrUnsupported) {
		t.Errorf("trailing descriptor: %v", names(members))
	}
	junk := bytes.Clone(good)
	copy(junk[8:], "XYZ\x01")
	if _, _, err := walkAll(t, Alz, junk, DefaultLimits()); !errors.Is(err, ErrCorrupt) {
		t.Errorf("unknown record: %v", err)
	}
}

// TestALZLimits: a member that inflates 1000x stops at the ratio limit, a
// large one at MaxFileSize.
func TestALZLimits(t *testing.T) {
	a := buildALZ(t, alzTestFile{name: "bomb", data: strings.Repeat("\x00", 16<<20), method: 2})
	if len(a) > 64<<10 {
		t.Fatalf("the bomb is %d bytes", len(a))
	}
	checkBomb(t, Alz, a, 100, 16<<20)
}

func FuzzWalkALZ(f *testing.F) {
	f.Add(buildALZ(f, alzTestFile{name: "d", attr: 0x10}, alzTestFile{name: "d\\a.exe", data: "MZ program", method: 2}, alzTestFile{name: "b", data: "stored"}))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzWalk(t, Alz, data) })
}
