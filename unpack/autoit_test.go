package unpack

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand"
	"strings"
	"testing"
)

// autoitBitWriter writes bits most significant first into 16-bit
// big-endian words, as AutoIt's compressor does.
type autoitBitWriter struct {
	out  []byte
	word uint16
	n    int
}

func (w *autoitBitWriter) put(v uint32, width int) {
	for i := width - 1; i >= 0; i-- {
		w.word = w.word<<1 | uint16(v>>i&1)
		if w.n++; w.n == 16 {
			w.out = binary.BigEndian.AppendUint16(w.out, w.word)
			w.word, w.n = 0, 0
		}
	}
}

func (w *autoitBitWriter) flush() []byte {
	if w.n > 0 {
		w.put(0, 16-w.n)
	}
	return w.out
}

// autoitCompress compresses data with greedy matches of 3 or more bytes
// up to 32767 back, the lengths coded as the decoder reads them.
func autoitCompress(data []byte, v autoitVersion) []byte {
	out := append([]byte(v.compMagic), binary.BigEndian.AppendUint32(nil, uint32(len(data)))...)
	w := &autoitBitWriter{}
	for i := 0; i < len(data); {
		bestLen, bestDist := 0, 0
		for d := 1; d <= i && d <= 4096 && bestLen < autoitMaxMatch; d++ {
			l := 0
			for i+l < len(data) && data[i+l] == data[i+l-d] && l < autoitMaxMatch {
				l++
			}
			if l > bestLen {
				bestLen, bestDist = l, d
			}
		}
		if bestLen < 3 {
			w.put(v.literalBit, 1)
			w.put(uint32(data[i]), 8)
			i++
			continue
		}
		w.put(v.literalBit^1, 1)
		w.put(uint32(bestDist), 15)
		putAutoItLength(w, bestLen-3)
		i += bestLen
	}
	return append(out, w.flush()...)
}

const autoitMaxMatch = 1 << 16

func putAutoItLength(w *autoitBitWriter, n int) {
	for _, width := range []int{2, 3, 5, 8} {
		all := 1<<width - 1
		if n < all {
			w.put(uint32(n), width)
			return
		}
		w.put(uint32(all), width)
		n -= all
	}
	for n >= 255 {
		w.put(255, 8)
		n -= 255
	}
	w.put(uint32(n), 8)
}

type autoitFile struct {
	typ, name  string
	data       []byte
	compressed bool
}

// buildAutoIt writes the marker and records of a compiled script, as the
// overlay of a PE file when inPE is set.
func buildAutoIt(v autoitVersion, inPE bool, files ...autoitFile) []byte {
	out := append([]byte(nil), autoitMarker...)
	key := []byte("0123456789abcdef")
	var keySum uint32
	out = append(out, v.compMagic[3])
	out = append(out, key...)
	if v.compMagic == "EA05" {
		for _, c := range key {
			keySum += uint32(c)
		}
	}
	str := func(s string, lenXor, seed uint32) {
		b := []byte(s)
		if v.wide {
			b = nil
			for _, c := range []byte(s) {
				b = append(b, c, 0)
			}
		}
		out = binary.LittleEndian.AppendUint32(out, uint32(len(s))^lenXor)
		v.stream(uint32(len(s)) + seed).xor(b)
		out = append(out, b...)
	}
	for _, f := range files {
		out = binary.LittleEndian.AppendUint32(out, v.magic)
		str(f.typ, v.typeXor, v.typeSeed)
		str(f.name, v.nameXor, v.nameSeed)
		data := f.data
		comp := byte(0)
		if f.compressed {
			data, comp = autoitCompress(f.data, v), 1
		}
		data = append([]byte(nil), data...)
		v.stream(v.dataSeed + keySum).xor(data)
		out = append(out, comp)
		out = binary.LittleEndian.AppendUint32(out, uint32(len(data))^v.sizeXor)
		out = binary.LittleEndian.AppendUint32(out, uint32(len(f.data))^v.sizeXor)
		out = binary.LittleEndian.AppendUint32(out, 0) // a checksum, not checked
		out = append(out, make([]byte, 16)...)
		out = append(out, data...)
	}
	if inPE {
		return peWithOverlay(out)
	}
	return out
}

// autoitTokens writes an EA06 script's tokens for
//
//	$x = "hi" + 5
//	MsgBox(0x20)
func autoitTokens() []byte {
	var b []byte
	u32 := func(v uint32) { b = binary.LittleEndian.AppendUint32(b, v) }
	name := func(op byte, s string) {
		b = append(b, op)
		u32(uint32(len(s)))
		for _, c := range []byte(s) {
			b = append(b, c^byte(len(s)), 0^byte(len(s)>>8))
		}
	}
	u32(2)
	name(0x33, "X")
	b = append(b, 0x41)
	name(0x36, "hi")
	b = append(b, 0x49, 5)
	u32(5)
	b = append(b, 0x7f)
	name(0x31, "MSGBOX")
	b = append(b, 0x47, 0x20)
	b = binary.LittleEndian.AppendUint64(b, 0x4000000000000000) // 2.0
	b = append(b, 0x48, 0x7f)
	return b
}

func TestAutoIt(t *testing.T) {
	noise := make([]byte, 3000)
	rand.New(rand.NewSource(7)).Read(noise)
	exe := []byte("MZ" + strings.Repeat("embedded program ", 200))
	mixed := append(append(append([]byte(nil), noise...), exe...), noise[:1000]...)
	for _, tc := range []struct {
		v    autoitVersion
		inPE bool
	}{{ea05, true}, {ea06, true}, {ea05, false}, {ea06, false}} {
		script := []byte("; a script\r\nFileInstall(\"a.exe\", @TempDir)\r\n")
		scriptType, wantScript := ">AUTOIT SCRIPT<", string(script)
		if tc.v.wide {
			script, scriptType = autoitTokens(), ">>>AUTOIT SCRIPT<<<"
			wantScript = "$X = \"hi\" + 0x00000005 \nMSGBOX ( 2 ) \n"
		}
		data := buildAutoIt(tc.v, tc.inPE,
			autoitFile{scriptType, "C:\\s.au3", script, true},
			autoitFile{"FILE", "C:\\a.exe", exe, true},
			autoitFile{"FILE", "C:\\raw.bin", noise, false},
			autoitFile{"FILE", "C:\\mixed.bin", mixed, true},
		)
		if f := IdentifyReader(data[:min(len(data), HeadSize)], Bytes(data), int64(len(data))); f != AutoIt {
			t.Fatalf("%s in PE %v: IdentifyReader = %s", tc.v.compMagic, tc.inPE, f)
		}
		members, info, err := walkAll(t, AutoIt, data, DefaultLimits())
		if err != nil || info.MemberCount != 4 || len(members) != 4 {
			t.Fatalf("%s: %v %+v %v", tc.v.compMagic, err, info, names(members))
		}
		wantName := "C:\\s.au3"
		if tc.v.wide {
			wantName = scriptType
		}
		for i, want := range []got{{name: wantName, data: wantScript}, {name: "C:\\a.exe", data: string(exe)},
			{name: "C:\\raw.bin", data: string(noise)}, {name: "C:\\mixed.bin", data: string(mixed)}} {
			if m := members[i]; m.err != nil || m.name != want.name || m.data != want.data {
				t.Errorf("%s member %d: %q (%d bytes, %v), want %q (%d bytes)", tc.v.compMagic, i, m.name, len(m.data), m.err, want.name, len(want.data))
			}
		}
	}
}

// TestAutoItDamaged: a cut or corrupt record is a member with an error, a
// list without records is corrupt, and a plain PE is no AutoIt script.
func TestAutoItDamaged(t *testing.T) {
	exe := []byte(strings.Repeat("MZ embedded ", 100))
	data := buildAutoIt(ea06, false, autoitFile{"FILE", "a", exe, true}, autoitFile{"FILE", "b", exe, false})
	members, _, err := walkAll(t, AutoIt, data[:len(data)-10], DefaultLimits())
	if err != nil || len(members) != 2 || members[0].err != nil || !errors.Is(members[1].err, ErrCorrupt) {
		t.Errorf("cut: %v %v", err, names(members))
	}
	// Compressed data cut short: the compressed record is the last.
	data = buildAutoIt(ea05, false, autoitFile{"FILE", "a", exe, false}, autoitFile{"FILE", "b", exe, true})
	members, _, err = walkAll(t, AutoIt, data[:len(data)-4], DefaultLimits())
	if err != nil || len(members) != 2 || !errors.Is(members[1].err, ErrCorrupt) {
		t.Errorf("cut compressed: %v %v", err, names(members))
	}
	// The key material is part of EA05's key: changed, nothing decrypts.
	data = buildAutoIt(ea05, false, autoitFile{"FILE", "a", exe, true})
	data[len(autoitMarker)+1] ^= 1
	members, _, err = walkAll(t, AutoIt, data, DefaultLimits())
	if err != nil || len(members) != 1 || !errors.Is(members[0].err, ErrCorrupt) {
		t.Errorf("wrong key: %v %v", err, names(members))
	}
	if _, _, err := walkAll(t, AutoIt, append([]byte(nil), data[:len(autoitMarker)+17]...), DefaultLimits()); !errors.Is(err, ErrCorrupt) {
		t.Errorf("no records: %v", err)
	}
	// Behind other data, as package filetype finds it in a file's head.
	data = append([]byte("not a PE file; "), buildAutoIt(ea05, false, autoitFile{"FILE", "a", exe, true})...)
	if f := IdentifyReader(data[:min(len(data), HeadSize)], Bytes(data), int64(len(data))); f != AutoIt {
		t.Errorf("behind other data: %s", f)
	}
	if members, _, err := walkAll(t, AutoIt, data, DefaultLimits()); err != nil || len(members) != 1 || members[0].data != string(exe) {
		t.Errorf("behind other data: %v %v", err, names(members))
	}
	plain := peWithOverlay([]byte("AU3!EA06 but no marker"))
	if f := IdentifyReader(plain[:HeadSize], Bytes(plain), int64(len(plain))); f == AutoIt {
		t.Errorf("plain PE: %s", f)
	}
	// A script whose tokens stop short of its line count.
	tok := autoitTokens()
	data = buildAutoIt(ea06, false, autoitFile{">>>AUTOIT SCRIPT<<<", "", tok[:len(tok)-1], false})
	members, _, _ = walkAll(t, AutoIt, data, DefaultLimits())
	if len(members) != 1 || !errors.Is(members[0].err, ErrCorrupt) {
		t.Errorf("short script: %v", names(members))
	}
}

// TestAutoItLimits: a record of a few KiB that inflates 1000x is stopped
// by the ratio limit after a bounded amount of output, and a large one by
// MaxFileSize. AutoIt's lengths grow by 255 a byte, so its ratio is at
// most about 250.
func TestAutoItLimits(t *testing.T) {
	bomb := bytes.Repeat([]byte{'A'}, 8<<20)
	data := buildAutoIt(ea06, true, autoitFile{"FILE", "bomb", bomb, true})
	if len(data) > 64<<10 {
		t.Fatalf("the bomb is %d bytes", len(data))
	}
	checkBomb(t, AutoIt, data, 50, int64(len(bomb)))
}

func FuzzWalkAutoIt(f *testing.F) {
	exe := []byte(strings.Repeat("MZ embedded ", 20))
	f.Add(buildAutoIt(ea05, true, autoitFile{">AUTOIT SCRIPT<", "s", []byte("MsgBox(0, 1)"), true}, autoitFile{"FILE", "a", exe, true}))
	f.Add(buildAutoIt(ea06, false, autoitFile{">>>AUTOIT SCRIPT<<<", "", autoitTokens(), true}, autoitFile{"FILE", "a", exe, false}))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzWalk(t, AutoIt, data) })
}
