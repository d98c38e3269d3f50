package unpack

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

// ycOp is one instruction of a yC routine, written here structurally so
// that the test encrypts by the inverse operations, independently of the
// interpreter under test.
type ycOp struct {
	code []byte
	fwd  func(al, cl byte) byte
	inv  func(al, cl byte) byte
}

func rotl(b byte, n byte) byte { n &= 7; return b<<n | b>>((8-n)&7) }

var (
	ycXorImm = ycOp{[]byte{0x34, 0x5a}, func(a, _ byte) byte { return a ^ 0x5a }, func(a, _ byte) byte { return a ^ 0x5a }}
	ycSubCL  = ycOp{[]byte{0x2a, 0xc1}, func(a, c byte) byte { return a - c }, func(a, c byte) byte { return a + c }}
	ycAddCL  = ycOp{[]byte{0x02, 0xc1}, func(a, c byte) byte { return a + c }, func(a, c byte) byte { return a - c }}
	ycXorCL  = ycOp{[]byte{0x32, 0xc1}, func(a, c byte) byte { return a ^ c }, func(a, c byte) byte { return a ^ c }}
	ycRol3   = ycOp{[]byte{0xc0, 0xc0, 0x03}, func(a, _ byte) byte { return rotl(a, 3) }, func(a, _ byte) byte { return rotl(a, 5) }}
	ycRor5   = ycOp{[]byte{0xc0, 0xc8, 0x05}, func(a, _ byte) byte { return rotl(a, 3) }, func(a, _ byte) byte { return rotl(a, 5) }}
	ycRolCL  = ycOp{[]byte{0xd2, 0xc0}, func(a, c byte) byte { return rotl(a, c) }, func(a, c byte) byte { return rotl(a, 8-c&7) }}
	ycDec    = ycOp{[]byte{0xfe, 0xc8}, func(a, _ byte) byte { return a - 1 }, func(a, _ byte) byte { return a + 1 }}
	ycAdd11  = ycOp{[]byte{0x04, 0x11}, func(a, _ byte) byte { return a + 0x11 }, func(a, _ byte) byte { return a - 0x11 }}
	ycSub07  = ycOp{[]byte{0x2c, 0x07}, func(a, _ byte) byte { return a - 7 }, func(a, _ byte) byte { return a + 7 }}
	ycJunk   = ycOp{[]byte{0xeb, 0x02, 0xcd, 0x20, 0x90, 0xf9}, func(a, _ byte) byte { return a }, func(a, _ byte) byte { return a }}
)

// ycRoutine is ops as a routine's 0x30 bytes, NOP-padded.
func ycRoutine(ops []ycOp) []byte {
	var b []byte
	for _, op := range ops {
		b = append(b, op.code...)
	}
	return append(b, bytes.Repeat([]byte{0x90}, ycPolyLen-len(b))...)
}

// ycEncrypt is the inverse of the routine of ops over data (ops without
// an inverse are left out: the routines that must fail).
func ycEncrypt(ops []ycOp, data []byte) {
	cl := byte(len(data))
	for i := range data {
		for k := len(ops) - 1; k >= 0; k-- {
			if ops[k].inv != nil {
				data[i] = ops[k].inv(data[i], cl)
			}
		}
		cl--
	}
}

// buildYC writes a PE of a ".text" section holding text and a yC loader
// section in the layout of yC 1.3, both layers encrypted.
func buildYC(text []byte, layer1, sections []ycOp) []byte {
	b := testPE32(0x1000, 0x2060,
		testSection{".text", 0x200, 0x1000, 0x200, 0x200},
		testSection{"yC", 0x1000, 0x2000, 0xc00, 0x400})
	binary.LittleEndian.PutUint32(b[testPEOpt+0x68:], 0x2010) // the loader's imports
	copy(b[0x200:], text)

	const yc, loaderLen = 0x400, 0x900
	ep := b[yc+0x60:]
	copy(ep, "\x55\x8b\xec\x53\x56\x57\x60\xe8\x00\x00\x00\x00\x5d\x81\xed")
	binary.LittleEndian.PutUint32(ep[0xf:], 0x1000)
	ep[0x13] = 0xb9
	binary.LittleEndian.PutUint32(ep[0x14:], 0x1000+loaderLen)
	copy(ep[0x18:], "\x81\xe9")
	binary.LittleEndian.PutUint32(ep[0x1a:], 0x1000)
	copy(ep[0x1e:], "\x8b\xd5\x81\xc2")
	binary.LittleEndian.PutUint32(ep[0x22:], 0x1000-0x6c+ycLoaderAt)
	copy(ep[0x26:], "\x8d\x3a\x8b\xf7\x33\xc0\xeb\x04\x90\xeb\x01\xc2\xac")
	copy(b[yc+ycLayer1At:], ycRoutine(layer1))
	copy(ep[0x63:], "\xaa\xe2\xcc")
	copy(b[yc+ycSectionAt:], ycRoutine(sections))
	binary.LittleEndian.PutUint32(b[yc+ycEntryAt:], 0x1234)

	ycEncrypt(sections, b[0x200:0x400])
	ycEncrypt(layer1, b[yc+ycLoaderAt:yc+ycLoaderAt+loaderLen])
	return b
}

func TestYC(t *testing.T) {
	text := append([]byte("MZ the protected program "), bytes.Repeat([]byte{0, 1, 0xff, 0x80}, 100)...)
	layer1 := []ycOp{ycXorImm, ycJunk, ycSubCL, ycRol3, ycDec}
	sections := []ycOp{ycAddCL, ycRor5, ycAdd11, ycRolCL, ycJunk, ycXorCL, ycSub07}
	file := buildYC(text, layer1, sections)
	if f := IdentifyReader(file[:HeadSize], Bytes(file), int64(len(file))); f != YC {
		t.Fatalf("IdentifyReader = %s", f)
	}
	members, _, err := walkAll(t, YC, file, DefaultLimits())
	if err != nil || len(members) != 1 || members[0].name != "yc-decrypted" {
		t.Fatalf("%v %+v", err, members)
	}
	out := []byte(members[0].data)
	if len(out) != 0x400 || !bytes.Equal(out[0x200:0x200+len(text)], text) {
		t.Fatalf("decrypted %d bytes, .text %q", len(out), out[0x200:0x220])
	}
	p, ok := parsePE(out)
	if !ok || p.nsec != 1 || p.entry != 0x1234 || binary.LittleEndian.Uint32(out[0x58+56:]) != 0x2000 ||
		binary.LittleEndian.Uint32(out[0x58+0x68:]) != 0 {
		t.Errorf("headers: %+v", p)
	}

	// A routine with an instruction the loader's set does not have is
	// unsupported (an error, never the undecrypted file as clean), and a
	// routine that jumps to itself ends.
	for _, bad := range [][]ycOp{
		{ycXorImm, {code: []byte{0x8b, 0xc0}}}, // MOV EAX, EAX
		{{code: []byte{0xeb, 0xfe}}},           // JMP to itself
	} {
		_, _, err := walkAll(t, YC, buildYC(text, layer1, bad), DefaultLimits())
		if !errors.Is(err, ErrUnsupported) {
			t.Errorf("routine % x: %v", ycRoutine(bad)[:4], err)
		}
	}
	// A plain PE, or one whose entry point is elsewhere, is not yC.
	plain := buildYC(text, layer1, sections)
	binary.LittleEndian.PutUint32(plain[0x58+16:], 0x1000)
	if f := IdentifyReader(plain[:HeadSize], Bytes(plain), int64(len(plain))); f == YC {
		t.Errorf("entry point in .text: %s", f)
	}
}

func FuzzWalkYC(f *testing.F) {
	f.Add(buildYC([]byte("MZ text"), []ycOp{ycXorImm, ycRolCL}, []ycOp{ycSubCL, ycJunk}))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzWalk(t, YC, data) })
}
