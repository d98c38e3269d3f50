package unpack

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"testing"
	"unicode/utf16"
)

type sisTestFile struct {
	dest     string
	variants []string // one per language for a type-1 record, else one
	none     bool     // file type 4: nothing to install
}

// buildSIS writes a release-6 SIS file of two languages with Unicode names:
// an if/endif pair and an options record around the file records.
func buildSIS(files []sisTestFile, compress bool) []byte {
	le := binary.LittleEndian
	h := make([]byte, 0x58)
	le.PutUint32(h[4:], sisUIDRelease6)
	le.PutUint32(h[8:], sisUID3)
	le.PutUint16(h[0x12:], 2) // languages
	var opts uint16 = sisOptUnicode
	if !compress {
		opts |= sisOptNoComp
	}
	le.PutUint16(h[0x24:], opts)
	var recs, blobs []byte
	blobBase := 0 // fixed up below
	type fix struct{ at, blob int }
	var fixes []fix
	putBlob := func(b []byte) int {
		off := len(blobs)
		blobs = append(blobs, b...)
		return off
	}
	u32 := func(v int) { recs = le.AppendUint32(recs, uint32(v)) }
	ptr := func(blob int) { fixes = append(fixes, fix{len(recs), blob}); u32(0) }
	u32(3) // if
	u32(2)
	recs = append(recs, 0xaa, 0xbb)
	n := 1
	for _, f := range files {
		typ := 0
		if len(f.variants) > 1 {
			typ = 1
		}
		u32(typ)
		ft := 0
		if f.none {
			ft = sisFileNone
		}
		u32(ft)
		u32(0)
		name := utf16.Encode([]rune(f.dest))
		var nb []byte
		for _, c := range name {
			nb = le.AppendUint16(nb, c)
		}
		u32(len(nb))
		ptr(putBlob(nb))
		u32(len(nb))
		ptr(putBlob(nb))
		var datas [][]byte
		for _, v := range f.variants {
			d := []byte(v)
			if compress {
				var buf bytes.Buffer
				zw := zlib.NewWriter(&buf)
				zw.Write(d)
				zw.Close()
				d = buf.Bytes()
			}
			datas = append(datas, d)
		}
		for _, d := range datas {
			u32(len(d))
		}
		for _, d := range datas {
			ptr(putBlob(d))
		}
		for _, v := range f.variants {
			u32(len(v))
		}
		u32(0) // MIME type
		u32(0)
		n++
	}
	u32(2) // options: one option, a name per language, the selection
	u32(1)
	recs = append(recs, make([]byte, 16+16)...)
	u32(6) // endif
	n += 2
	le.PutUint16(h[0x14:], uint16(n))
	le.PutUint32(h[0x34:], uint32(len(h)))
	blobBase = len(h) + len(recs)
	for _, f := range fixes {
		le.PutUint32(recs[f.at:], uint32(blobBase+f.blob))
	}
	return append(append(h, recs...), blobs...)
}

func TestSIS(t *testing.T) {
	files := []sisTestFile{
		{dest: `!:\sys\bin\app.exe`, variants: []string{"MZ the program"}},
		{dest: `!:\readme.txt`, variants: []string{"English readme", "Lisez-moi"}},
		{dest: `!:\placeholder`, variants: []string{""}, none: true},
	}
	for _, compress := range []bool{true, false} {
		data := buildSIS(files, compress)
		if f := Identify(data); f != Sis {
			t.Fatalf("Identify = %s", f)
		}
		members, _, err := walkAll(t, Sis, data, DefaultLimits())
		if err != nil || len(members) != 3 {
			t.Fatalf("compress %v: %v %+v", compress, err, members)
		}
		want := []testFile{{`!:\sys\bin\app.exe`, "MZ the program"}, {`!:\readme.txt (language 1)`, "English readme"}, {`!:\readme.txt (language 2)`, "Lisez-moi"}}
		for i, m := range members {
			if m.name != want[i].name || m.data != want[i].data || m.err != nil {
				t.Errorf("compress %v: member %d = %q %q %v", compress, i, m.name, m.data, m.err)
			}
		}
	}
}

// TestSISDamaged: data past the end of the file is a corrupt member with
// what there is; an unknown record type ends the walk as corrupt.
func TestSISDamaged(t *testing.T) {
	data := buildSIS([]sisTestFile{{dest: "a", variants: []string{"MZ program data"}}}, false)
	members, _, _ := walkAll(t, Sis, data[:len(data)-4], DefaultLimits())
	if len(members) != 1 || !errors.Is(members[0].err, ErrCorrupt) || members[0].data != "MZ program " {
		t.Errorf("cut: %+v", members)
	}
	bad := bytes.Clone(data)
	binary.LittleEndian.PutUint32(bad[0x58:], 99)
	if _, _, err := walkAll(t, Sis, bad, DefaultLimits()); !errors.Is(err, ErrCorrupt) {
		t.Errorf("bad record: %v", err)
	}
}

func FuzzWalkSIS(f *testing.F) {
	f.Add(buildSIS([]sisTestFile{{dest: "x", variants: []string{"MZ"}}, {dest: "y", variants: []string{"a", "b"}}}, true))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzWalk(t, Sis, data) })
}
