package unpack

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/sigtool/sigtool/filetype"
)

func TestOLE2Streams(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 700) // 11200 bytes: regular sectors
	l := buildCFB(t, []cfbFile{
		{"WordDocument", []byte("small stream in the mini stream")},
		{"\x05SummaryInformation", []byte("props")},
		{"ObjectPool/_1/Contents", big},
		{"ObjectPool/_1/Empty", nil},
	})
	if Identify(l.Data) != OLE2 {
		t.Fatalf("Identify = %s", Identify(l.Data))
	}
	members, info, err := walkAll(t, OLE2, l.Data, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"WordDocument":           "small stream in the mini stream",
		"SummaryInformation":     "props",
		"ObjectPool/_1/Contents": string(big),
		"ObjectPool/_1/Empty":    "",
	}
	if info.MemberCount != len(want) || len(members) != len(want) {
		t.Fatalf("members %d, count %d, want %d: %+v", len(members), info.MemberCount, len(want), members)
	}
	for _, m := range members {
		if w, ok := want[m.name]; !ok || m.data != w || m.err != nil {
			t.Errorf("member %q: %d bytes, err %v", m.name, len(m.data), m.err)
		}
	}
}

func TestOLE2Ole10Native(t *testing.T) {
	payload := []byte("MZ\x90\x00 an embedded program")
	l := buildCFB(t, []cfbFile{
		{"WordDocument", []byte("text")},
		{"ObjectPool/_1279313719/\x01Ole10Native", ole10NativeStream("evil.exe", payload)},
	})
	members, _, err := walkAll(t, OLE2, l.Data, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	m := findMember(members, "ObjectPool/_1279313719/Ole10Native/evil.exe")
	if m == nil || m.data != string(payload) {
		t.Fatalf("package file not yielded: %+v", members)
	}
}

func TestOLE2VBA(t *testing.T) {
	src := "Attribute VB_Name = \"Module1\"\r\nSub AutoOpen()\r\n    Shell \"cmd /c calc.exe\"\r\nEnd Sub\r\n" +
		strings.Repeat("' padding to span chunks\r\n", 300)
	other := "Attribute VB_Name = \"ThisDocument\"\r\n"
	l := buildCFB(t, []cfbFile{
		{"WordDocument", []byte("text")},
		{"Macros/VBA/_VBA_PROJECT", []byte{0xcc, 0x61, 0xff, 0xff, 0x00}},
		{"Macros/VBA/dir", vbaDirStream("Module1", "ThisDocument")},
		{"Macros/VBA/Module1", compressVBA([]byte(src))},
		{"Macros/VBA/ThisDocument", compressVBA([]byte(other))},
	})
	members, _, err := walkAll(t, OLE2, l.Data, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"Macros/VBA/Module1.vba": src, "Macros/VBA/ThisDocument.vba": other} {
		m := findMember(members, name)
		if m == nil || m.data != want || m.err != nil || m.typ != filetype.MSOLE2 {
			t.Errorf("%s: got %+v (macros are MSOLE2 content, for target 2)", name, m)
		}
	}
}

func TestDecompressVBA(t *testing.T) {
	// MS-OVBA 3.2.3, the example with copy tokens.
	in := []byte{0x01, 0x2f, 0xb0, 0x00, 0x23, 0x61, 0x61, 0x61, 0x62, 0x63, 0x64, 0x65, 0x82, 0x66, 0x00, 0x70,
		0x61, 0x67, 0x68, 0x69, 0x6a, 0x01, 0x38, 0x08, 0x61, 0x6b, 0x6c, 0x00, 0x30, 0x6d, 0x6e, 0x6f,
		0x70, 0x06, 0x71, 0x02, 0x70, 0x04, 0x10, 0x72, 0x73, 0x74, 0x75, 0x76, 0x10, 0x77, 0x78, 0x79,
		0x7a, 0x00, 0x3c}
	got, err := decompressVBA(in, 1<<20)
	if want := "#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa"; err != nil || string(got) != want {
		t.Errorf("spec example: %q, %v", got, err)
	}
	for _, s := range []string{"", "a", strings.Repeat("abc", 5000), "no repeats here at all, none"} {
		got, err := decompressVBA(compressVBA([]byte(s)), 1<<20)
		if err != nil || string(got) != s {
			t.Errorf("round trip of %d bytes: %d bytes, %v", len(s), len(got), err)
		}
	}
	if _, err := decompressVBA([]byte{0x02, 0x00}, 100); !errors.Is(err, errVBACompression) {
		t.Errorf("bad signature: %v", err)
	}
	// Expansion stops at the bound.
	_, err = decompressVBA(compressVBA(bytes.Repeat([]byte("x"), 100000)), 1000)
	if limitOf(err) != LimitFileSize {
		t.Errorf("bound: %v", err)
	}
}

func TestOLE2PowerPointObject(t *testing.T) {
	inner := buildCFB(t, []cfbFile{{"\x01Ole10Native", ole10NativeStream("clam.exe", []byte("payload"))}})
	l := buildCFB(t, []cfbFile{
		{"Current User", []byte("user")},
		{"PowerPoint Document", pptWithObject(inner.Data)},
	})
	members, _, err := walkAll(t, OLE2, l.Data, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	m := findMember(members, "PowerPoint Document/ExOleObjStg-1")
	if m == nil || m.data != string(inner.Data) {
		t.Fatalf("embedded storage not yielded: %+v", members)
	}
}

// TestOLE2FATLoop: a stream whose chain comes back on itself, declared
// far larger than the file, ends with a corrupt member no larger than the
// file (the work is bounded by bytes, not by a clock), not an endless (or
// 4 GiB) read and not a clean one.
func TestOLE2FATLoop(t *testing.T) {
	l := buildCFB(t, []cfbFile{{"Data", bytes.Repeat([]byte{'A'}, 8192)}})
	s := l.Start["Data"]
	l.SetFAT(s+3, s) // the fourth sector points back to the first
	// Claim a 4 GiB - 1 stream.
	dirEntry := findDirEntry(t, l.Data, "Data")
	copy(l.Data[dirEntry+0x78:], []byte{0xff, 0xff, 0xff, 0xff})
	members, _, err := walkAll(t, OLE2, l.Data, DefaultLimits())
	m := findMember(members, "Data")
	if m == nil || !errors.Is(m.err, ErrCorrupt) || len(m.data) > len(l.Data) {
		t.Fatalf("loop member: %+v (walk err %v)", m, err)
	}
	if !strings.Contains(m.err.Error(), "loop") {
		t.Errorf("error does not name the loop: %v", m.err)
	}
}

func TestOLE2Damaged(t *testing.T) {
	l := buildCFB(t, []cfbFile{{"A", []byte("alpha")}, {"B", []byte("beta")}})
	for _, tc := range []struct {
		name string
		edit func([]byte) []byte
	}{
		{"truncated header", func(b []byte) []byte { return b[:40] }},
		{"directory outside the file", func(b []byte) []byte { copy(b[0x30:], []byte{0, 0, 0, 0x70}); return b }},
		{"bad sector shift", func(b []byte) []byte { b[0x1e] = 30; return b }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.edit(bytes.Clone(l.Data))
			_, _, err := walkAll(t, OLE2, data, DefaultLimits())
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("err = %v, want ErrCorrupt", err)
			}
		})
	}
}

func findMember(ms []got, name string) *got {
	for i := range ms {
		if ms[i].name == name {
			return &ms[i]
		}
	}
	return nil
}

// findDirEntry returns the offset of the directory entry named name.
func findDirEntry(t testing.TB, data []byte, name string) int {
	t.Helper()
	var u []byte
	for _, r := range name {
		u = append(u, byte(r), 0)
	}
	i := bytes.Index(data, append(u, 0, 0))
	if i < 0 {
		t.Fatalf("no directory entry %q", name)
	}
	return i
}

func FuzzWalkOLE2(f *testing.F) {
	inner := buildCFB(f, []cfbFile{{"\x01Ole10Native", ole10NativeStream("a.exe", []byte("payload"))}})
	f.Add(buildCFB(f, []cfbFile{
		{"WordDocument", []byte("text")},
		{"Macros/VBA/_VBA_PROJECT", []byte{0xcc, 0x61}},
		{"Macros/VBA/dir", vbaDirStream("Module1")},
		{"Macros/VBA/Module1", compressVBA([]byte("Sub AutoOpen()\r\nEnd Sub\r\n"))},
		{"PowerPoint Document", pptWithObject(inner.Data)},
		{"Big", bytes.Repeat([]byte("x"), 5000)},
	}).Data)
	f.Add(inner.Data)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzWalk(t, OLE2, data) })
}

func FuzzDecompressVBA(f *testing.F) {
	f.Add(compressVBA([]byte(strings.Repeat("Attribute VB_Name ", 300))))
	f.Add([]byte{0x01, 0x2f, 0xb0, 0x00, 0x23, 0x61, 0x61, 0x61})
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := decompressVBA(data, 1<<16)
		if len(out) > 1<<16 {
			t.Fatalf("%d bytes past the bound (err %v)", len(out), err)
		}
	})
}
