package unpack

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

func chmEncint(v uint64) []byte {
	out := []byte{byte(v & 0x7f)}
	for v >>= 7; v > 0; v >>= 7 {
		out = append([]byte{byte(v&0x7f) | 0x80}, out...)
	}
	return out
}

type chmTestFile struct {
	name    string
	section int
	data    []byte
}

// buildCHM writes an ITSF version 3 file: one PMGL chunk, section 0
// stored, section 1 one LZX stream of uncompressed blocks (lzxStored)
// under a reset interval of two frames and a 64 KiB window.
func buildCHM(files []chmTestFile) []byte {
	var sec0, sec1 []byte
	type ent struct {
		name      string
		sec       int
		off, size int
	}
	var ents []ent
	add0 := func(name string, data []byte) {
		ents = append(ents, ent{name, 0, len(sec0), len(data)})
		sec0 = append(sec0, data...)
	}
	for _, f := range files {
		if f.section == 0 {
			add0(f.name, f.data)
		} else {
			ents = append(ents, ent{f.name, 1, len(sec1), len(f.data)})
			sec1 = append(sec1, f.data...)
		}
	}
	var frames [][]byte
	for p := 0; p < len(sec1); p += chmFrameSize {
		frames = append(frames, sec1[p:min(p+chmFrameSize, len(sec1))])
	}
	ctl := make([]byte, 28)
	binary.LittleEndian.PutUint32(ctl, 6)
	copy(ctl[4:], "LZXC")
	binary.LittleEndian.PutUint32(ctl[8:], 2)
	binary.LittleEndian.PutUint32(ctl[12:], 2) // reset every 2 frames
	binary.LittleEndian.PutUint32(ctl[16:], 2) // 64 KiB window
	rt := make([]byte, 0x28)
	binary.LittleEndian.PutUint32(rt, 2)
	binary.LittleEndian.PutUint64(rt[0x10:], uint64(len(sec1)))
	add0(chmControl, ctl)
	add0(chmResets, rt)
	add0(chmContent, lzxStored(frames))

	const chunk = 4096
	c := make([]byte, 0x14, chunk)
	copy(c, "PMGL")
	binary.LittleEndian.PutUint32(c[0xc:], 0xffffffff)
	binary.LittleEndian.PutUint32(c[0x10:], 0xffffffff)
	c = append(c, chmEncint(1)...)
	c = append(c, '/', 0, 0, 0)
	for _, e := range ents {
		c = append(c, chmEncint(uint64(len(e.name)))...)
		c = append(c, e.name...)
		c = append(c, chmEncint(uint64(e.sec))...)
		c = append(c, chmEncint(uint64(e.off))...)
		c = append(c, chmEncint(uint64(e.size))...)
	}
	binary.LittleEndian.PutUint32(c[4:], uint32(chunk-len(c)))
	c = append(c, make([]byte, chunk-len(c))...)
	dir := make([]byte, 0x54)
	copy(dir, "ITSP")
	binary.LittleEndian.PutUint32(dir[4:], 1)
	binary.LittleEndian.PutUint32(dir[8:], 0x54)
	binary.LittleEndian.PutUint32(dir[0x10:], chunk)
	binary.LittleEndian.PutUint32(dir[0x2c:], 1)
	dir = append(dir, c...)
	h := make([]byte, 0x60)
	copy(h, "ITSF")
	binary.LittleEndian.PutUint32(h[4:], 3)
	binary.LittleEndian.PutUint32(h[8:], 0x60)
	binary.LittleEndian.PutUint64(h[0x48:], 0x60)
	binary.LittleEndian.PutUint64(h[0x50:], uint64(len(dir)))
	binary.LittleEndian.PutUint64(h[0x58:], uint64(0x60+len(dir)))
	out := append(h, dir...)
	return append(out, sec0...)
}

func chmFiles() []chmTestFile {
	return []chmTestFile{
		{"/readme.txt", 0, []byte("stored in section 0")},
		{"/index.htm", 1, []byte("<html>" + strings.Repeat("help text ", 3000) + "</html>")},
		{"/setup.exe", 1, []byte("MZ a program in section 1")},
		{"/empty", 1, nil},
		{"/late.bin", 1, bytes.Repeat([]byte{7}, 20000)},
	}
}

func TestCHM(t *testing.T) {
	files := chmFiles()
	data := buildCHM(files)
	if f := Identify(data); f != Chm {
		t.Fatalf("Identify = %s", f)
	}
	members, _, err := walkAll(t, Chm, data, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]got{}
	for _, m := range members {
		got[m.name] = m
	}
	for _, f := range files {
		m, ok := got[f.name]
		if len(f.data) == 0 {
			if ok {
				t.Errorf("%s: empty file yielded", f.name)
			}
			continue
		}
		if !ok || m.err != nil || m.data != string(f.data) {
			t.Errorf("%s: %v %d bytes, want %d", f.name, m.err, len(m.data), len(f.data))
		}
	}
}

// TestCHMDamaged: a compressed section cut short gives its files as
// corrupt members, the stored ones intact; a reset table claiming a
// terabyte-long section reads what the stream holds; a directory
// claiming more chunks than it holds is reported.
func TestCHMDamaged(t *testing.T) {
	files := chmFiles()
	data := buildCHM(files)
	members, _, _ := walkAll(t, Chm, data[:len(data)-5], DefaultLimits())
	for _, m := range members {
		switch m.name {
		case "/readme.txt":
			if m.data != "stored in section 0" || m.err != nil {
				t.Errorf("stored file lost: %+v", m)
			}
		case "/index.htm", "/setup.exe", "/late.bin":
			if !errors.Is(m.err, ErrCorrupt) {
				t.Errorf("%s: err %v, want corrupt", m.name, m.err)
			}
		}
	}
	long := buildCHM(files)
	at := bytes.Index(long, []byte("LZXC")) - 4 + 28 + 0x10
	binary.LittleEndian.PutUint64(long[at:], 1<<40)
	members, _, _ = walkAll(t, Chm, long, DefaultLimits())
	for _, m := range members {
		if m.name == "/setup.exe" && m.data != "MZ a program in section 1" {
			t.Errorf("section 1 file lost: %+v", m)
		}
	}
	many := buildCHM(files)
	binary.LittleEndian.PutUint32(many[0x60+0x2c:], 1<<30)
	if _, _, err := walkAll(t, Chm, many, DefaultLimits()); !errors.Is(err, ErrCorrupt) {
		t.Errorf("too many chunks: %v", err)
	}
}

func FuzzWalkCHM(f *testing.F) {
	f.Add(buildCHM(chmFiles()[:3]))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzWalk(t, Chm, data) })
}
