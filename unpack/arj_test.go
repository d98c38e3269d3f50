package unpack

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// arjArchives writes files with Debian's arj (the open-source ARJ) in
// every method, 0 to 4.
func arjArchives(t *testing.T, files map[string][]byte) map[int][]byte {
	t.Helper()
	tool, err := exec.LookPath("arj")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("arj missing (the Makefile installs it)")
		}
		t.Skip("arj missing: install the Debian package arj")
	}
	dir := t.TempDir()
	var names []string
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	out := map[int][]byte{}
	for m := 0; m <= 4; m++ {
		a := filepath.Join(dir, "m"+string(rune('0'+m))+".arj")
		cmd := exec.Command(tool, append([]string{"a", "-m" + string(rune('0'+m)), "-y", a}, names...)...)
		cmd.Dir = dir
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("arj -m%d: %v: %s", m, err, b)
		}
		if out[m], err = os.ReadFile(a); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestARJ(t *testing.T) {
	noise := make([]byte, 70000)
	rand.New(rand.NewSource(6)).Read(noise)
	text := []byte(strings.Repeat("an ARJ archive holds text like this line. ", 5000))
	files := map[string][]byte{
		"noise.bin": noise,
		"text.txt":  text,
		"mix.bin":   append(append(append([]byte(nil), noise[:30000]...), text[:50000]...), noise[:30000]...),
		"empty":     nil,
	}
	for m, a := range arjArchives(t, files) {
		if f := Identify(a); f != Arj {
			t.Fatalf("-m%d: Identify = %s", m, f)
		}
		members, info, err := walkAll(t, Arj, a, DefaultLimits())
		if err != nil || len(members) != len(files) || info.MemberCount != len(files) {
			t.Fatalf("-m%d: %v, %d members", m, err, len(members))
		}
		for _, g := range members {
			if g.err != nil || g.data != string(files[g.name]) {
				t.Errorf("-m%d %s: %d bytes, want %d: %v", m, g.name, len(g.data), len(files[g.name]), g.err)
			}
		}
	}
}

// buildARJHeader writes one header of the form readARJHeader reads.
func buildARJHeader(name string, flags, method byte, comp, orig, crc uint32) []byte {
	b := make([]byte, 30)
	b[0] = 30
	b[4], b[5] = flags, method
	binary.LittleEndian.PutUint32(b[12:], comp)
	binary.LittleEndian.PutUint32(b[16:], orig)
	binary.LittleEndian.PutUint32(b[20:], crc)
	b = append(b, name...)
	b = append(b, 0, 0)
	out := []byte{0x60, 0xea, 0, 0}
	binary.LittleEndian.PutUint16(out[2:], uint16(len(b)))
	out = append(out, b...)
	out = binary.LittleEndian.AppendUint32(out, crc32.ChecksumIEEE(b))
	return append(out, 0, 0) // no extended header
}

func storedARJ(files ...testFile) []byte {
	out := buildARJHeader("test.arj", 0, 0, 0, 0, 0)
	for _, f := range files {
		out = append(out, buildARJHeader(f.name, 0, 0, uint32(len(f.data)), uint32(len(f.data)), crc32.ChecksumIEEE([]byte(f.data)))...)
		out = append(out, f.data...)
	}
	return append(out, 0x60, 0xea, 0, 0)
}

// TestARJDamaged: a header whose CRC fails ends the walk as corrupt, the
// files before it kept; data that fails its CRC or ends early is a
// corrupt member; a garbled file is encrypted; a size claiming 4 GiB
// reads what the archive holds.
func TestARJDamaged(t *testing.T) {
	a := storedARJ(testFile{"a.txt", "first file"}, testFile{"b.exe", "MZ second"})
	bad := bytes.Clone(a)
	bad[bytes.LastIndex(bad, []byte("b.exe"))] = 'c'
	members, _, err := walkAll(t, Arj, bad, DefaultLimits())
	if !errors.Is(err, ErrCorrupt) || len(members) != 1 || members[0].data != "first file" {
		t.Errorf("bad header CRC: %v %+v", err, members)
	}
	bad = bytes.Replace(bytes.Clone(a), []byte("first file"), []byte("first fil!"), 1)
	members, _, _ = walkAll(t, Arj, bad, DefaultLimits())
	if len(members) != 2 || !errors.Is(members[0].err, ErrCorrupt) || members[1].err != nil {
		t.Errorf("bad data CRC: %+v", members)
	}
	// The end-of-archive header (size 0) where the main header belongs.
	if _, _, err := walkAll(t, Arj, []byte("\x60\xea\x00\x00 after"), DefaultLimits()); !errors.Is(err, ErrCorrupt) || strings.Contains(err.Error(), "decoder failed") {
		t.Errorf("no main header: %v", err)
	}
	g := buildARJHeader("test.arj", 0, 0, 0, 0, 0)
	g = append(g, buildARJHeader("secret", arjFlagGarbled, 1, 4, 4, 0)...)
	g = append(g, "xxxx"...)
	members, info, _ := walkAll(t, Arj, g, DefaultLimits())
	if len(members) != 1 || !members[0].encrypted || !info.Encrypted {
		t.Errorf("garbled: %+v", members)
	}
	big := buildARJHeader("test.arj", 0, 0, 0, 0, 0)
	big = append(big, buildARJHeader("big", 0, 1, 0xffffffff, 0xffffffff, 0)...)
	big = append(big, bytes.Repeat([]byte{0x55}, 1000)...)
	members, _, err = walkAll(t, Arj, big, DefaultLimits())
	if len(members) != 1 || members[0].err == nil || err == nil {
		t.Errorf("4 GiB claim: %v %+v", err, members)
	}
}

func FuzzWalkARJ(f *testing.F) {
	f.Add(storedARJ(testFile{"a", "abc"}, testFile{"b", "MZ"}))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzWalk(t, Arj, data) })
}

// FuzzARJDecoders feeds the method 1-3 and method 4 decoders directly;
// seeds are a block header of single-symbol codes and a short bit
// string.
func FuzzARJDecoders(f *testing.F) {
	f.Add([]byte{0x00, 0x10, 0x00, 0x00, 0x00, 0x41, 0x00, 0x00, 0x00, 0x00, 0x00}, true)
	f.Add([]byte{0x20, 0x41, 0x82, 0xff, 0x00, 0x12}, false)
	f.Fuzz(func(t *testing.T, data []byte, lzh bool) {
		var r io.Reader = newARJFastest(bytes.NewReader(data), 1<<20)
		if lzh {
			r = newARJLZH(bytes.NewReader(data), 1<<20)
		}
		io.Copy(io.Discard, io.LimitReader(r, 1<<20))
	})
}
