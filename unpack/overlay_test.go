package unpack

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/ulikunitz/xz/lzma"
)

// peWithOverlay is a minimal PE file, one section of 512 bytes ending at
// 1024, followed by overlay.
func peWithOverlay(overlay []byte) []byte {
	pe := make([]byte, 0x400)
	copy(pe, "MZ")
	binary.LittleEndian.PutUint32(pe[0x3c:], 0x40)
	copy(pe[0x40:], "PE\x00\x00")
	binary.LittleEndian.PutUint16(pe[0x46:], 1) // one section, no optional header
	sec := pe[0x40+24:]
	copy(sec, ".text")
	binary.LittleEndian.PutUint32(sec[16:], 0x200) // SizeOfRawData
	binary.LittleEndian.PutUint32(sec[20:], 0x200) // PointerToRawData
	return append(pe, overlay...)
}

func deflated(b []byte) []byte {
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.BestCompression)
	fw.Write(b)
	fw.Close()
	return buf.Bytes()
}

// nsisLZMA is an LZMA stream as NSIS writes it: the classic header
// without its 8-byte size.
func nsisLZMA(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	lw, err := lzma.WriterConfig{DictCap: 1 << 16}.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	lw.Write(b)
	lw.Close()
	s := buf.Bytes()
	return append(s[:5:5], s[13:]...)
}

// buildNSIS writes an installer: the first header, then the blocks, solid
// (one stream of length-prefixed blocks) or each compressed on its own by
// comp (nil: stored).
func buildNSIS(t testing.TB, blocks [][]byte, solid bool, comp func(testing.TB, []byte) []byte) []byte {
	var data []byte
	if solid {
		var raw []byte
		for _, b := range blocks {
			raw = binary.LittleEndian.AppendUint32(raw, uint32(len(b)))
			raw = append(raw, b...)
		}
		data = comp(t, raw)
	} else {
		for _, b := range blocks {
			if comp == nil {
				data = binary.LittleEndian.AppendUint32(data, uint32(len(b)))
				data = append(data, b...)
				continue
			}
			c := comp(t, b)
			data = binary.LittleEndian.AppendUint32(data, uint32(len(c))|0x80000000)
			data = append(data, c...)
		}
	}
	fh := make([]byte, nsisFirstHeader)
	copy(fh[4:], magicNSIS)
	binary.LittleEndian.PutUint32(fh[20:], uint32(len(blocks[0])))
	binary.LittleEndian.PutUint32(fh[24:], uint32(nsisFirstHeader+len(data)))
	return peWithOverlay(append(fh, data...))
}

func TestNSIS(t *testing.T) {
	blocks := [][]byte{
		[]byte("the installer's script header " + strings.Repeat("x", 300)),
		[]byte("MZ the program it installs"),
		bytes.Repeat([]byte("a readme. "), 500),
	}
	deflate := func(_ testing.TB, b []byte) []byte { return deflated(b) }
	for _, tc := range []struct {
		name  string
		solid bool
		comp  func(testing.TB, []byte) []byte
	}{
		{"stored", false, nil},
		{"deflate", false, deflate},
		{"lzma", false, nsisLZMA},
		{"solid deflate", true, deflate},
		{"solid lzma", true, nsisLZMA},
	} {
		exe := buildNSIS(t, blocks, tc.solid, tc.comp)
		if f := IdentifyReader(exe[:HeadSize], Bytes(exe), int64(len(exe))); f != Nsis {
			t.Fatalf("%s: IdentifyReader = %s", tc.name, f)
		}
		members, _, err := walkAll(t, Nsis, exe, DefaultLimits())
		if err != nil || len(members) != len(blocks) {
			t.Fatalf("%s: %v %+v", tc.name, err, members)
		}
		for i, m := range members {
			if m.name != nsisName(i) || m.err != nil || m.data != string(blocks[i]) {
				t.Errorf("%s: block %d: %q %v %d bytes", tc.name, i, m.name, m.err, len(m.data))
			}
		}
	}
}

// TestNSISDamaged: an archive length past the end of the file and a block
// cut short are reported, the blocks before kept; NSIS's bzip2 is
// unsupported, never clean; a dictionary over 64 MiB is refused.
func TestNSISDamaged(t *testing.T) {
	exe := buildNSIS(t, [][]byte{[]byte("header"), []byte("MZ program bytes")}, false, nil)
	cut := exe[:len(exe)-4]
	members, _, err := walkAll(t, Nsis, cut, DefaultLimits())
	if !errors.Is(err, ErrCorrupt) || len(members) != 2 || members[0].data != "header" || !errors.Is(members[1].err, ErrCorrupt) {
		t.Errorf("cut: %v %+v", err, members)
	}
	bz := buildNSIS(t, [][]byte{[]byte("h")}, false, func(testing.TB, []byte) []byte { return []byte("1AY&SY....") })
	if members, _, _ := walkAll(t, Nsis, bz, DefaultLimits()); len(members) != 1 || !errors.Is(members[0].err, ErrUnsupported) {
		t.Errorf("bzip2: %+v", members)
	}
	huge := buildNSIS(t, [][]byte{[]byte("h")}, false, func(testing.TB, []byte) []byte { return []byte{0x5d, 0, 0, 0, 0x40, 0, 0} })
	if members, _, _ := walkAll(t, Nsis, huge, DefaultLimits()); len(members) != 1 || !errors.Is(members[0].err, ErrUnsupported) {
		t.Errorf("1 GiB dictionary: %+v", members)
	}
}

func buildISList(entries ...testFile) []byte {
	var out []byte
	for _, e := range entries {
		out = append(out, e.name+"\x00Disk1\\"+e.name+"\x000.0.0.0\x00"...)
		out = append(out, strconv.Itoa(len(e.data))+"\x00"...)
		out = append(out, e.data...)
	}
	return peWithOverlay(out)
}

func TestIShieldList(t *testing.T) {
	exe := buildISList(testFile{"setup.inx", "compiled script"}, testFile{"clam.exe", "MZ the product"}, testFile{"empty", ""})
	if f := IdentifyReader(exe[:HeadSize], Bytes(exe), int64(len(exe))); f != IShield {
		t.Fatalf("IdentifyReader = %s", f)
	}
	members, _, err := walkAll(t, IShield, exe, DefaultLimits())
	if err != nil || len(members) != 3 || members[1].name != `Disk1\clam.exe` || members[1].data != "MZ the product" {
		t.Fatalf("%v %+v", err, members)
	}
	// A size past the end: the member is corrupt, with what there is.
	exe = buildISList(testFile{"a", "first"}, testFile{"b", "second file"})
	exe = exe[:len(exe)-3]
	members, _, _ = walkAll(t, IShield, exe, DefaultLimits())
	if len(members) != 2 || members[0].data != "first" || !errors.Is(members[1].err, ErrCorrupt) {
		t.Errorf("cut: %+v", members)
	}
	// A PE without an overlay list is not an InstallShield setup.
	if f := IdentifyReader(make([]byte, 10), Bytes(peWithOverlay([]byte("random overlay"))), 1038); f != Unknown {
		t.Errorf("plain overlay: %s", f)
	}
}

func FuzzWalkNSIS(f *testing.F) {
	f.Add(buildNSIS(f, [][]byte{[]byte("hdr"), []byte("MZ")}, false, func(_ testing.TB, b []byte) []byte { return deflated(b) }))
	f.Add(buildNSIS(f, [][]byte{[]byte("hdr"), []byte("MZ")}, true, nsisLZMA))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzWalk(t, Nsis, data) })
}

func FuzzWalkIShield(f *testing.F) {
	f.Add(buildISList(testFile{"a.exe", "MZ"}, testFile{"b", "x"}))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzWalk(t, IShield, data) })
}

// TestSelfExtractor: a PE whose overlay is an archive (a self-extracting
// zip, 7z, cab...) yields the overlay, which the scan opens.
func TestSelfExtractor(t *testing.T) {
	z := buildZip(t, []testFile{{"inside.exe", "MZ packed inside"}})
	exe := peWithOverlay(z)
	if f := IdentifyReader(exe[:HeadSize], Bytes(exe), int64(len(exe))); f != Overlay {
		t.Fatalf("IdentifyReader = %s", f)
	}
	members, _, err := walkAll(t, Overlay, exe, DefaultLimits())
	if err != nil || len(members) != 1 || members[0].name != "overlay" || members[0].data != string(z) {
		t.Fatalf("%v %+v", err, members)
	}
	inner, _, err := walkAll(t, Zip, []byte(members[0].data), DefaultLimits())
	if err != nil || len(inner) != 1 || inner[0].data != "MZ packed inside" {
		t.Errorf("the overlay's zip: %v %+v", err, inner)
	}
	// Behind data of the stub's own.
	exe = peWithOverlay(append([]byte("stub data, PK, MSCF and 7z but no archive"), z...))
	members, _, err = walkAll(t, Overlay, exe, DefaultLimits())
	if err != nil || len(members) != 1 || members[0].data != string(z) {
		t.Errorf("behind stub data: %v %+v", err, members)
	}
	// An ARJ archive is found by a main header whose CRC holds; ARJ's two
	// magic bytes alone, common in ordinary DLLs' debug data, are not one.
	arj := storedARJ(testFile{"a.exe", "MZ in arj"})
	exe = peWithOverlay(append([]byte("debug \x60\xea\x30\x00 data "), arj...))
	if f := IdentifyReader(exe[:HeadSize], Bytes(exe), int64(len(exe))); f != Overlay {
		t.Errorf("arj self-extractor: %s", f)
	}
	members, _, err = walkAll(t, Overlay, exe, DefaultLimits())
	if err != nil || len(members) != 1 || members[0].data != string(arj) {
		t.Errorf("arj self-extractor: %v %+v", err, members)
	}
	junk := peWithOverlay([]byte("debug \x60\xea\x30\x00 data, no archive"))
	if f := IdentifyReader(junk[:HeadSize], Bytes(junk), int64(len(junk))); f != Unknown {
		t.Errorf("ARJ magic in debug data: %s", f)
	}
	// An overlay of anything else is not a self-extractor.
	if f := IdentifyReader(exe[:HeadSize], Bytes(peWithOverlay([]byte("signature blob"))), 1038); f != Unknown {
		t.Errorf("plain overlay: %s", f)
	}
}

func FuzzWalkOverlay(f *testing.F) {
	z := buildZip(f, []testFile{{"inside.exe", "MZ packed inside"}})
	f.Add(peWithOverlay(z))
	f.Add(peWithOverlay(append([]byte("stub data, PK, MSCF and 7z"), z...)))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzWalk(t, Overlay, data) })
}
