package unpack

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"io"
	"math/rand"
	"strings"
	"testing"
)

// isCabTestFile is a file of a cabinet set as the tests write it.
type isCabTestFile struct {
	name   string
	data   string
	flags  uint16
	volume int
	link   byte
}

// isChunks compresses b as InstallShield does: chunks of up to 32 KiB,
// each its own raw deflate stream ended by a flush, after its u16 length.
func isChunks(t testing.TB, b []byte) []byte {
	var out []byte
	for len(b) > 0 {
		n := min(len(b), 32<<10)
		var z bytes.Buffer
		fw, err := flate.NewWriter(&z, flate.BestCompression)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(b[:n]); err != nil {
			t.Fatal(err)
		}
		if err := fw.Flush(); err != nil {
			t.Fatal(err)
		}
		if z.Len() > 0xffff {
			t.Fatalf("a chunk of %d bytes", z.Len())
		}
		out = binary.LittleEndian.AppendUint16(out, uint16(z.Len()))
		out = append(out, z.Bytes()...)
		b = b[n:]
	}
	return out
}

func isObfuscate(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		c += byte(uint32(i) % 0x47)
		out[i] = (c<<2 | c>>6) ^ 0xd5
	}
	return out
}

// buildISCabSet writes data1.hdr and one volume per volume number the
// files use (data1.cab, data2.cab...), the files in directory "dir".
func buildISCabSet(t testing.TB, files ...isCabTestFile) (hdr []byte, vols map[int][]byte) {
	common := func(descSize int) []byte {
		h := append([]byte(nil), magicISCab...)
		h = binary.LittleEndian.AppendUint32(h, 0x01009500)
		h = binary.LittleEndian.AppendUint32(h, 0)
		h = binary.LittleEndian.AppendUint32(h, 0x200)
		h = binary.LittleEndian.AppendUint32(h, uint32(descSize))
		return append(h, make([]byte, 0x200-len(h))...)
	}
	vols = map[int][]byte{}
	const base = 0x300
	var entries, strs []byte
	strs = append(strs, "dir\x00"...)
	strOff := func(s string) uint32 {
		off := 4 + len(files)*isCabEntrySize + len(strs)
		strs = append(strs, s+"\x00"...)
		return uint32(off)
	}
	dirOff := uint32(4 + len(files)*isCabEntrySize)
	for _, f := range files {
		stored := []byte(f.data)
		if f.flags&isFileCompressed != 0 {
			stored = isChunks(t, stored)
		}
		if f.flags&isFileObfuscated != 0 {
			stored = isObfuscate(stored)
		}
		v, ok := vols[f.volume]
		if !ok {
			v = common(0)
		}
		off := len(v)
		if f.flags&isFileCompressed == 0 && f.volume == 0 {
			off = 0 // installed from the disk
		} else {
			vols[f.volume] = append(v, stored...)
		}
		e := make([]byte, isCabEntrySize)
		binary.LittleEndian.PutUint16(e, f.flags)
		binary.LittleEndian.PutUint64(e[2:], uint64(len(f.data)))
		binary.LittleEndian.PutUint64(e[0x0a:], uint64(len(stored)))
		binary.LittleEndian.PutUint64(e[0x12:], uint64(off))
		binary.LittleEndian.PutUint32(e[0x3a:], strOff(f.name))
		binary.LittleEndian.PutUint16(e[0x3e:], 0)
		e[0x54] = f.link
		binary.LittleEndian.PutUint16(e[0x55:], uint16(f.volume))
		entries = append(entries, e...)
	}
	table := binary.LittleEndian.AppendUint32(nil, dirOff)
	table = append(append(table, entries...), strs...)
	hdr = common(0x100 + len(table))
	desc := make([]byte, base-0x200)
	binary.LittleEndian.PutUint32(desc[0x0c:], base-0x200)
	binary.LittleEndian.PutUint32(desc[0x1c:], 1)
	binary.LittleEndian.PutUint32(desc[0x28:], uint32(len(files)))
	binary.LittleEndian.PutUint32(desc[0x2c:], 4)
	hdr = append(append(hdr, desc...), table...)
	return hdr, vols
}

// buildISCabSetup is a setup whose file list holds a cabinet set.
func buildISCabSetup(t testing.TB, files ...isCabTestFile) []byte {
	hdr, vols := buildISCabSet(t, files...)
	list := []testFile{{"setup.ini", "[Startup]"}}
	for v := 1; v <= len(vols); v++ {
		list = append(list, testFile{"data" + string(rune('0'+v)) + ".cab", string(vols[v])})
	}
	list = append(list, testFile{"data1.hdr", string(hdr)})
	return buildISList(list...)
}

func TestIShieldCabinets(t *testing.T) {
	noise := make([]byte, 70<<10) // three chunks
	rand.New(rand.NewSource(3)).Read(noise)
	program := strings.Repeat("MZ a program in the cabinet ", 5000)
	exe := buildISCabSetup(t,
		isCabTestFile{name: "setup.inx", data: "the disk's", volume: 0},
		isCabTestFile{name: "program.exe", data: program, flags: isFileCompressed, volume: 1},
		isCabTestFile{name: "noise.bin", data: string(noise), flags: isFileCompressed, volume: 1},
		isCabTestFile{name: "hidden.dll", data: "MZ obfuscated", flags: isFileCompressed | isFileObfuscated, volume: 2},
		isCabTestFile{name: "plain.txt", data: "stored as it is", volume: 2},
		isCabTestFile{name: "again.exe", data: program, flags: isFileCompressed, volume: 1, link: isLinkPrev},
		isCabTestFile{name: "bad", data: "invalid", flags: isFileInvalid | isFileCompressed, volume: 1},
	)
	members, info, err := walkAll(t, IShield, exe, DefaultLimits())
	if err != nil {
		t.Fatalf("%v %v", err, names(members))
	}
	want := []got{
		{name: `Disk1\setup.ini`}, {name: `Disk1\data1.cab`}, {name: `Disk1\data2.cab`}, {name: `Disk1\data1.hdr`},
		{name: `Disk1\data1.cab/dir\program.exe`, data: program},
		{name: `Disk1\data1.cab/dir\noise.bin`, data: string(noise)},
		{name: `Disk1\data2.cab/dir\hidden.dll`, data: "MZ obfuscated"},
		{name: `Disk1\data2.cab/dir\plain.txt`, data: "stored as it is"},
	}
	if len(members) != len(want) || info.MemberCount != len(want) {
		t.Fatalf("%d members (count %d): %v", len(members), info.MemberCount, names(members))
	}
	for i, w := range want {
		m := members[i]
		if m.name != w.name || m.err != nil || (i >= 4 && m.data != w.data) {
			t.Errorf("member %d: %q (%d bytes, %v), want %q (%d bytes)", i, m.name, len(m.data), m.err, w.name, len(w.data))
		}
		if i >= 1 && i <= 3 && m.typ == 0 {
			t.Errorf("%q: the set's own files are yielded to be matched, not opened again", m.name)
		}
	}
}

// TestIShieldCabinetsDamaged: volumes without their header, a header
// that lists more than it holds, a file past its volume's end, a file in
// a volume the setup does not hold, and a chunk cut short are errors.
func TestIShieldCabinetsDamaged(t *testing.T) {
	program := strings.Repeat("MZ a program ", 500)
	files := []isCabTestFile{{name: "a.exe", data: program, flags: isFileCompressed, volume: 1}}
	hdr, vols := buildISCabSet(t, files...)
	for _, tc := range []struct {
		what   string
		list   []testFile
		walk   error // of the walk
		member error // of the cabinet's file
	}{
		{"no header", []testFile{{"data1.cab", string(vols[1])}}, ErrUnsupported, nil},
		{"header cut", []testFile{{"data1.cab", string(vols[1])}, {"data1.hdr", string(hdr[:len(hdr)-isCabEntrySize])}}, ErrCorrupt, nil},
		{"volume cut", []testFile{{"data1.cab", string(vols[1][:len(vols[1])-9])}, {"data1.hdr", string(hdr)}}, nil, ErrCorrupt},
		{"volume missing", []testFile{{"data2.cab", string(vols[1])}, {"data1.hdr", string(hdr)}}, nil, ErrUnsupported},
	} {
		members, _, err := walkAll(t, IShield, buildISList(tc.list...), DefaultLimits())
		if tc.walk != nil {
			if !errors.Is(err, tc.walk) {
				t.Errorf("%s: %v, want %v", tc.what, err, tc.walk)
			}
			continue
		}
		if err != nil || len(members) != 3 || !errors.Is(members[2].err, tc.member) || !strings.HasSuffix(members[2].name, `data1.cab/dir\a.exe`) {
			t.Errorf("%s: %v %v", tc.what, err, names(members))
		}
	}
	// A chunk's length past what the file stores.
	stored := isChunks(t, []byte(program))
	binary.LittleEndian.PutUint16(stored, uint16(len(stored)))
	r := isCabReader(bytes.NewReader(stored), 0, int64(len(stored)), isCabFile{name: "a", flags: isFileCompressed, size: int64(len(program)), stored: int64(len(stored))})
	if _, err := io.ReadAll(r); err == nil {
		t.Error("a chunk past the file's end read without error")
	}
	// A split file continues in a volume that is not read.
	split := isCabFile{name: "s", flags: isFileSplit, size: 100, stored: 100, offset: 0x200}
	if _, err := io.ReadAll(isCabReader(bytes.NewReader(make([]byte, 0x210)), 0, 0x210, split)); !errors.Is(err, ErrUnsupported) {
		t.Errorf("split file: %v", err)
	}
	// Version 5 cabinets have another layout.
	old := bytes.Clone(hdr)
	binary.LittleEndian.PutUint32(old[4:], 0x01005000)
	if _, err := parseISCabHeader(old); !errors.Is(err, ErrUnsupported) {
		t.Errorf("version 5: %v", err)
	}
}

// TestIShieldCabinetLimits: a file that inflates 1000x stops at the ratio
// limit, a large one at MaxFileSize, and a header claiming a billion
// files is corrupt at once.
func TestIShieldCabinetLimits(t *testing.T) {
	exe := buildISCabSetup(t, isCabTestFile{name: "bomb", data: strings.Repeat("\x00", 16<<20), flags: isFileCompressed, volume: 1})
	if len(exe) > 128<<10 {
		t.Fatalf("the bomb is %d bytes", len(exe))
	}
	checkBomb(t, IShield, exe, 100, 16<<20)
	hdr, _ := buildISCabSet(t, isCabTestFile{name: "a", data: "x", flags: isFileCompressed, volume: 1})
	binary.LittleEndian.PutUint32(hdr[0x200+0x28:], 1<<30)
	if _, err := parseISCabHeader(hdr); !errors.Is(err, ErrCorrupt) {
		t.Errorf("a billion files: %v", err)
	}
}

func FuzzWalkIShieldCabinets(f *testing.F) {
	f.Add(buildISCabSetup(f,
		isCabTestFile{name: "a.exe", data: "MZ program", flags: isFileCompressed, volume: 1},
		isCabTestFile{name: "b.dll", data: "MZ hidden", flags: isFileCompressed | isFileObfuscated, volume: 2}))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzWalk(t, IShield, data) })
}
