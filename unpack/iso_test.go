package unpack

import (
	"encoding/binary"
	"errors"
	"testing"
	"time"
	"unicode/utf16"
)

// An ISO 9660 writer for tests: a primary volume descriptor (and a Joliet
// supplementary one when asked), a root directory with files and one
// subdirectory, each extent in its own sectors.

type isoTestFile struct {
	dir  string // "" or the one subdirectory
	name string
	data []byte
}

func isoDirRecord(extent, length uint32, dir bool, name []byte) []byte {
	l := 33 + len(name)
	if l%2 == 1 {
		l++
	}
	r := make([]byte, l)
	r[0] = byte(l)
	binary.LittleEndian.PutUint32(r[2:], extent)
	binary.BigEndian.PutUint32(r[6:], extent)
	binary.LittleEndian.PutUint32(r[10:], length)
	binary.BigEndian.PutUint32(r[14:], length)
	if dir {
		r[25] = 2
	}
	binary.LittleEndian.PutUint16(r[28:], 1)
	r[32] = byte(len(name))
	copy(r[33:], name)
	return r
}

func buildISO(files []isoTestFile, joliet bool) []byte {
	img := make([]byte, 16*isoSector)
	alloc := func(b []byte) uint32 {
		at := uint32(len(img) / isoSector)
		img = append(img, b...)
		if pad := len(img) % isoSector; pad != 0 {
			img = append(img, make([]byte, isoSector-pad)...)
		}
		return at
	}
	nDesc := 2
	if joliet {
		nDesc = 3
	}
	img = append(img, make([]byte, nDesc*isoSector)...)
	encName := func(s string, j bool) []byte {
		if !j {
			return []byte(s)
		}
		var b []byte
		for _, u := range utf16.Encode([]rune(s)) {
			b = binary.BigEndian.AppendUint16(b, u)
		}
		return b
	}
	type placed struct {
		f      isoTestFile
		extent uint32
	}
	var ps []placed
	for _, f := range files {
		ps = append(ps, placed{f, alloc(f.data)})
	}
	dirRecords := func(j bool, dir string, self, parent uint32) []byte {
		var d []byte
		d = append(d, isoDirRecord(self, isoSector, true, []byte{0})...)
		d = append(d, isoDirRecord(parent, isoSector, true, []byte{1})...)
		for _, p := range ps {
			if p.f.dir == dir {
				n := p.f.name
				if !j {
					n += ";1"
				}
				d = append(d, isoDirRecord(p.extent, uint32(len(p.f.data)), false, encName(n, j))...)
			}
		}
		return d
	}
	tree := func(j bool) uint32 {
		rootAt := uint32(len(img) / isoSector)
		subAt := rootAt + 1
		img = append(img, make([]byte, 2*isoSector)...)
		root := dirRecords(j, "", rootAt, rootAt)
		for _, p := range ps {
			if p.f.dir != "" {
				root = append(root, isoDirRecord(subAt, isoSector, true, encName(p.f.dir, j))...)
				break
			}
		}
		copy(img[int(rootAt)*isoSector:], root)
		copy(img[int(subAt)*isoSector:], dirRecords(j, firstDir(files), subAt, rootAt))
		return rootAt
	}
	desc := func(i int, typ byte, root uint32, esc string) {
		d := img[isoDescStart+i*isoSector:]
		d[0], d[6] = typ, 1
		copy(d[1:], magicISO)
		copy(d[88:], esc)
		binary.LittleEndian.PutUint16(d[128:], isoSector)
		copy(d[156:], isoDirRecord(root, isoSector, true, []byte{0}))
	}
	desc(0, 1, tree(false), "")
	if joliet {
		desc(1, 2, tree(true), "%/E")
	}
	term := img[isoDescStart+(nDesc-1)*isoSector:]
	term[0], term[6] = 255, 1
	copy(term[1:], magicISO)
	return img
}

func firstDir(files []isoTestFile) string {
	for _, f := range files {
		if f.dir != "" {
			return f.dir
		}
	}
	return ""
}

func TestISO(t *testing.T) {
	files := []isoTestFile{
		{"", "README.TXT", []byte("read me")},
		{"TOOLS", "SETUP.EXE", []byte("MZ setup")},
		{"", "EMPTY", nil},
	}
	for _, tc := range []struct {
		joliet bool
		names  []string
	}{
		{false, []string{"README.TXT", "EMPTY", "TOOLS/SETUP.EXE"}},
		{true, []string{"README.TXT", "EMPTY", "TOOLS/SETUP.EXE"}},
	} {
		data := buildISO(files, tc.joliet)
		if f := IdentifyReader(data[:HeadSize], Bytes(data), int64(len(data))); f != ISO {
			t.Fatalf("IdentifyReader = %s", f)
		}
		members, _, err := walkAll(t, ISO, data, DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		if len(members) != len(tc.names) {
			t.Fatalf("joliet %v: %+v", tc.joliet, members)
		}
		for i, m := range members {
			if m.name != tc.names[i] || m.err != nil {
				t.Errorf("joliet %v: member %d = %q (%v), want %q", tc.joliet, i, m.name, m.err, tc.names[i])
			}
		}
		if m := findMember(members, "TOOLS/SETUP.EXE"); m == nil || m.data != "MZ setup" {
			t.Errorf("joliet %v: content %+v", tc.joliet, m)
		}
	}
}

// TestISOJolietLongNames: Joliet names are Unicode and not 8.3.
func TestISOJolietLongNames(t *testing.T) {
	data := buildISO([]isoTestFile{{"", "a long name, with ünïcode.exe", []byte("x")}}, true)
	members, _, _ := walkAll(t, ISO, data, DefaultLimits())
	if len(members) != 1 || members[0].name != "a long name, with ünïcode.exe" {
		t.Errorf("%+v", members)
	}
}

// TestISOClaimsTerabytes: 2000 files of 4 GiB each, all at one extent, in
// a 4 MB image. Each is read as far as the image goes and reported
// damaged; the walk ends at a limit, quickly, without allocating what the
// image claims.
func TestISOClaimsTerabytes(t *testing.T) {
	var files []isoTestFile
	for i := 0; i < 20; i++ {
		files = append(files, isoTestFile{"", "F", make([]byte, 200<<10)})
	}
	data := buildISO(files, false)
	// Rewrite the root's records: 2000 entries, 4 GiB each, at extents one
	// sector apart (a file met twice at one extent is read once).
	rootAt := int(binary.LittleEndian.Uint32(data[isoDescStart+156+2:]))
	var recs []byte
	recs = append(recs, isoDirRecord(uint32(rootAt), 0, true, []byte{0})...)
	recs = append(recs, isoDirRecord(uint32(rootAt), 0, true, []byte{1})...)
	for n := uint32(0); len(recs) < 2000*40; n++ {
		if isoSector-len(recs)%isoSector < 40 {
			recs = append(recs, make([]byte, isoSector-len(recs)%isoSector)...)
		}
		recs = append(recs, isoDirRecord(18+n%1000, 0xffffffff, false, []byte("BIG;1"))...)
	}
	at := len(data)
	data = append(data, recs...)
	binary.LittleEndian.PutUint32(data[isoDescStart+156+2:], uint32(at/isoSector))
	binary.LittleEndian.PutUint32(data[isoDescStart+156+10:], uint32(len(recs)))
	binary.LittleEndian.PutUint32(data[isoDescStart+80:], 0xffffffff) // volume space: 8 TB
	start := time.Now()
	lim := DefaultLimits()
	lim.MaxScanSize = 40 << 20 // what the 4 MB image can expand to with the default 400 MiB takes seconds
	members, info, err := walkAll(t, ISO, data, lim)
	if !errors.Is(err, ErrLimit) {
		t.Fatalf("walk err = %v (%d members), want a limit", err, len(members))
	}
	if len(members) == 0 || !errors.Is(members[0].err, ErrCorrupt) {
		t.Errorf("first member: %+v", members[0].err)
	}
	if info.Expanded > lim.MaxScanSize+1 { // the byte that trips the limit is counted
		t.Errorf("expanded %d bytes, past MaxScanSize", info.Expanded)
	}
	t.Logf("%d-byte image: %d members, %d bytes, %v, in %v", len(data), len(members), info.Expanded, err, time.Since(start))
}

// TestISOTreesDiffer: a file listed in the primary tree only, beside an
// empty Joliet tree, is found; one listed in both is yielded once.
func TestISOTreesDiffer(t *testing.T) {
	data := buildISO([]isoTestFile{{"", "A.EXE", []byte("MZ a")}, {"", "B.TXT", []byte("b")}}, true)
	members, _, err := walkAll(t, ISO, data, DefaultLimits())
	if err != nil || len(members) != 2 {
		t.Fatalf("both trees: %v %+v", err, members)
	}
	// Empty the Joliet root: its records after "." and "..".
	jroot := int(binary.LittleEndian.Uint32(data[isoDescStart+isoSector+156+2:])) * isoSector
	clear(data[jroot+68 : jroot+isoSector])
	members, _, err = walkAll(t, ISO, data, DefaultLimits())
	if err != nil || findMember(members, "A.EXE") == nil || findMember(members, "B.TXT") == nil {
		t.Errorf("primary tree only: %v %+v", err, members)
	}
}

// TestISOLoop: a directory whose record points back at the root.
func TestISOLoop(t *testing.T) {
	data := buildISO([]isoTestFile{{"SUB", "A", []byte("a")}}, false)
	rootAt := binary.LittleEndian.Uint32(data[isoDescStart+156+2:])
	sub := int(rootAt+1) * isoSector
	// Give the subdirectory a record for "LOOP" pointing at the root.
	copy(data[sub+34+34+36:], isoDirRecord(rootAt, isoSector, true, []byte("LOOP")))
	members, _, err := walkAll(t, ISO, data, DefaultLimits())
	if !errors.Is(err, ErrCorrupt) {
		t.Errorf("err = %v, want the loop reported", err)
	}
	if findMember(members, "SUB/A") == nil {
		t.Errorf("files before the loop lost: %+v", members)
	}
}

func FuzzWalkISO(f *testing.F) {
	f.Add(buildISO([]isoTestFile{{"", "A.TXT", []byte("a")}, {"D", "B", []byte("b")}}, true))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzWalk(t, ISO, data) })
}
