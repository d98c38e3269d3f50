package unpack

import (
	"encoding/binary"
	"errors"
	"fmt"
	"testing"
)

// buildCpio writes an archive in one of the four cpio forms ("bin-le",
// "bin-be", "odc", "newc", "crc") from cpio(5); a name ending in "/" is a
// directory, one starting with "@" a symbolic link to its data.
func buildCpio(form string, files []testFile) []byte {
	var out []byte
	pad := func(a int) {
		for len(out)%a != 0 {
			out = append(out, 0)
		}
	}
	entry := func(name string, mode int, data string) {
		nameZ := name + "\x00"
		switch form {
		case "bin-le", "bin-be":
			var bo binary.ByteOrder = binary.LittleEndian
			if form == "bin-be" {
				bo = binary.BigEndian
			}
			h := make([]byte, 26)
			words := []int{0o70707, 1, 2, mode, 0, 0, 1, 0, 0, 0, len(nameZ), len(data) >> 16, len(data) & 0xffff}
			for i, v := range words {
				bo.PutUint16(h[2*i:], uint16(v))
			}
			out = append(out, h...)
			out = append(out, nameZ...)
			pad(2)
			out = append(out, data...)
			pad(2)
		case "odc":
			out = fmt.Appendf(out, "070707%06o%06o%06o%06o%06o%06o%06o%011o%06o%011o", 1, 2, mode, 0, 0, 1, 0, 0, len(nameZ), len(data))
			out = append(out, nameZ...)
			out = append(out, data...)
		default:
			magic := "070701"
			if form == "crc" {
				magic = "070702"
			}
			out = fmt.Appendf(out, "%s%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x", magic, 2, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(nameZ), 0)
			out = append(out, nameZ...)
			pad(4)
			out = append(out, data...)
			pad(4)
		}
	}
	for _, f := range files {
		switch {
		case f.name[len(f.name)-1] == '/':
			entry(f.name[:len(f.name)-1], 0o40755, "")
		case f.name[0] == '@':
			entry(f.name[1:], 0o120777, f.data)
		default:
			entry(f.name, 0o100644, f.data)
		}
	}
	entry(cpioTrailer, 0, "")
	return out
}

func TestCpio(t *testing.T) {
	files := []testFile{
		{"dir/", ""},
		{"dir/a.txt", "hello, odd length"},
		{"@dir/link", "a.txt"},
		{"empty", ""},
		{"dir/b.exe", "MZ\x90\x00 four"},
	}
	for _, form := range []string{"bin-le", "bin-be", "odc", "newc", "crc"} {
		data := buildCpio(form, files)
		if f := Identify(data); f != Cpio {
			t.Errorf("%s: Identify = %s", form, f)
		}
		members, info, err := walkAll(t, Cpio, data, DefaultLimits())
		if err != nil {
			t.Errorf("%s: %v", form, err)
		}
		want := []testFile{{"dir/a.txt", "hello, odd length"}, {"empty", ""}, {"dir/b.exe", "MZ\x90\x00 four"}}
		if len(members) != len(want) {
			t.Fatalf("%s: %+v", form, members)
		}
		for i, m := range members {
			if m.name != want[i].name || m.data != want[i].data || m.err != nil {
				t.Errorf("%s: member %d = %q %q %v, want %q %q", form, i, m.name, m.data, m.err, want[i].name, want[i].data)
			}
		}
		if info.MemberCount != 5 {
			t.Errorf("%s: MemberCount = %d", form, info.MemberCount)
		}
	}
}

// TestCpioDamaged: a file cut short is yielded with what is there and
// reported; a header that does not parse ends the walk as corrupt, with
// the members before it kept.
func TestCpioDamaged(t *testing.T) {
	for _, form := range []string{"bin-le", "odc", "newc"} {
		data := buildCpio(form, []testFile{{"a", "first"}, {"b", "0123456789abcdef"}})
		cut := data[:len(data)-len(buildCpio(form, nil))-5] // the trailer and 5 bytes of b
		members, _, err := walkAll(t, Cpio, cut, DefaultLimits())
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s cut: err = %v", form, err)
		}
		if len(members) != 2 || members[0].data != "first" || !errors.Is(members[1].err, ErrCorrupt) {
			t.Errorf("%s cut: %+v", form, members)
		}
		bad := append([]byte(nil), data...)
		second := len(buildCpio(form, []testFile{{"a", "first"}})) - len(buildCpio(form, nil))
		copy(bad[second:], "070709")
		members, _, err = walkAll(t, Cpio, bad, DefaultLimits())
		if !errors.Is(err, ErrCorrupt) || len(members) != 1 {
			t.Errorf("%s bad header: %v %+v", form, err, members)
		}
	}
}

// TestCpioClaimsGigabytes: newc sizes go to 4 GiB; a header claiming that
// much in a small archive reads what there is and stops.
func TestCpioClaimsGigabytes(t *testing.T) {
	data := buildCpio("newc", []testFile{{"big", "small"}})
	copy(data[6+8*6:], "ffffffff")
	members, _, err := walkAll(t, Cpio, data, DefaultLimits())
	if !errors.Is(err, ErrCorrupt) || len(members) != 1 || !errors.Is(members[0].err, ErrCorrupt) {
		t.Errorf("%v %+v", err, members)
	}
}

func FuzzWalkCpio(f *testing.F) {
	for _, form := range []string{"bin-le", "bin-be", "odc", "newc"} {
		f.Add(buildCpio(form, []testFile{{"d/", ""}, {"d/x", "abc"}, {"y", "MZ"}}))
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzWalk(t, Cpio, data) })
}
