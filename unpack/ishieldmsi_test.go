package unpack

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

// buildISMSI writes an InstallShield MSI setup's file table, behind some
// data of the stub's own, as a PE file's overlay.
func buildISMSI(t testing.TB, files ...testFile) []byte {
	out := append([]byte("stub data "), isMSIMagic...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(files)))
	out = append(out, make([]byte, isMSIHeader-4)...)
	for _, f := range files {
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		if _, err := zw.Write([]byte(f.data)); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		data := z.Bytes()
		key := isMSINameKey(f.name)
		for i, c := range data {
			c ^= key[(i&0x3ff)%len(key)]
			data[i] = c>>4 | c<<4
		}
		var fb [isMSIBlock]byte
		copy(fb[:], f.name)
		binary.LittleEndian.PutUint32(fb[0x104:], 6)
		binary.LittleEndian.PutUint64(fb[0x10c:], uint64(len(data)))
		out = append(append(out, fb[:]...), data...)
	}
	return peWithOverlay(out)
}

func TestIShieldMSI(t *testing.T) {
	big := strings.Repeat("a cabinet's worth of program bytes ", 2000) // past the key's 1024-byte restart
	exe := buildISMSI(t, testFile{"setup.msi", big}, testFile{"Setup.ini", "[Startup]"}, testFile{"x", ""})
	if f := IdentifyReader(exe[:HeadSize], Bytes(exe), int64(len(exe))); f != ISMSI {
		t.Fatalf("IdentifyReader = %s", f)
	}
	members, info, err := walkAll(t, ISMSI, exe, DefaultLimits())
	if err != nil || info.MemberCount != 3 || len(members) != 3 {
		t.Fatalf("%v %+v %v", err, info, names(members))
	}
	for i, want := range []testFile{{"setup.msi", big}, {"Setup.ini", "[Startup]"}, {"x", ""}} {
		if m := members[i]; m.name != want.name || m.data != want.data || m.err != nil {
			t.Errorf("member %d: %q (%d bytes, %v), want %q (%d bytes)", i, m.name, len(m.data), m.err, want.name, len(want.data))
		}
	}
}

// TestIShieldMSIDamaged: a cut or garbled file is a member with an error;
// a table without its blocks is corrupt; the string alone is no setup.
func TestIShieldMSIDamaged(t *testing.T) {
	exe := buildISMSI(t, testFile{"a.msi", strings.Repeat("MZ program ", 100)}, testFile{"b.exe", "MZ second"})
	members, _, err := walkAll(t, ISMSI, exe[:len(exe)-5], DefaultLimits())
	if err != nil || len(members) != 2 || members[0].err != nil || !errors.Is(members[1].err, ErrCorrupt) {
		t.Errorf("cut: %v %v", err, names(members))
	}
	garbled := bytes.Clone(exe)
	garbled[len(garbled)-3] ^= 0xff // b.exe's checksum
	members, _, _ = walkAll(t, ISMSI, garbled, DefaultLimits())
	if len(members) != 2 || !errors.Is(members[1].err, ErrCorrupt) {
		t.Errorf("garbled: %v", names(members))
	}
	// A count of files the table does not hold.
	i := bytes.Index(exe, isMSIMagic) + len(isMSIMagic)
	more := bytes.Clone(exe)
	binary.LittleEndian.PutUint32(more[i:], 3)
	members, _, err = walkAll(t, ISMSI, more, DefaultLimits())
	if !errors.Is(err, ErrCorrupt) || len(members) != 2 {
		t.Errorf("count past the table: %v %v", err, names(members))
	}
	plain := peWithOverlay(append([]byte("InstallShield\x00"), make([]byte, 400)...))
	if f := IdentifyReader(plain[:HeadSize], Bytes(plain), int64(len(plain))); f == ISMSI {
		t.Errorf("the string alone: %s", f)
	}
}

// TestIShieldMSILimits: a file that inflates 1000x stops at the ratio
// limit; a large one at MaxFileSize.
func TestIShieldMSILimits(t *testing.T) {
	exe := buildISMSI(t, testFile{"bomb.msi", strings.Repeat("\x00", 16<<20)})
	if len(exe) > 64<<10 {
		t.Fatalf("the bomb is %d bytes", len(exe))
	}
	checkBomb(t, ISMSI, exe, 100, 16<<20)
}

func FuzzWalkIShieldMSI(f *testing.F) {
	f.Add(buildISMSI(f, testFile{"setup.msi", "MZ program"}, testFile{"Setup.ini", "[Startup]"}))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzWalk(t, ISMSI, data) })
}
