package unpack

import (
	"bytes"
	"encoding/binary"
)

// The packed programs of the tests are built here: a PE file of two
// sections, the program's (".text" at 0x1000, stored XOR 0x5a) and the
// stub's (".stub" at 0x2000: its code, then an import table naming
// kernel32's ExitProcess). The stub decrypts the program in place and
// jumps to it; the program calls ExitProcess. Nothing in them is a real
// packer's: the entry code starts with a packer's recognised bytes only
// where a test needs packerOf to name one.

const (
	testBase    = 0x400000
	testTextRVA = 0x1000
	testStubRVA = 0x2000
	testIAT     = testStubRVA + 0x180 // ExitProcess's address, bound by the loader; VirtualAlloc's next
	testKey     = 0x5a
	testTextRaw = 0x200 // file offsets of the sections, 0x400 and 0x200 bytes
	testStubRaw = 0x600
)

// testProgram is the packed program's section: a call of ExitProcess at
// its start, and the PE file payload at 0x100.
func testProgram(payload []byte) []byte {
	text := make([]byte, 0x400)
	copy(text, []byte{0x6a, 0x00, 0xff, 0x15}) // PUSH 0; CALL [IAT]
	binary.LittleEndian.PutUint32(text[4:], testBase+testIAT)
	copy(text[0x100:], payload)
	return text
}

// xorStub decrypts the program's section and jumps to it.
func xorStub() []byte {
	var c []byte
	c = append(c, 0xbe)
	c = binary.LittleEndian.AppendUint32(c, testBase+testTextRVA) // MOV ESI, .text
	c = append(c, 0xb9, 0x00, 0x04, 0x00, 0x00)                   // MOV ECX, 0x400
	c = append(c, 0x80, 0x36, testKey)                            // XOR BYTE [ESI], key
	c = append(c, 0x46)                                           // INC ESI
	c = append(c, 0xe2, 0xfa)                                     // LOOP back to the XOR
	c = append(c, 0xe9)                                           // JMP .text
	return binary.LittleEndian.AppendUint32(c, uint32(testTextRVA-(testStubRVA+len(c)+4)))
}

// aspackEntry starts a stub with ASPack's recognised entry code (PUSHAD;
// CALL over three bytes), whose return address the stub then drops.
func aspackEntry(stub []byte) []byte {
	c := []byte("\x60\xe8\x03\x00\x00\x00\xe9\xeb\x00")
	c = append(c, 0x58, 0x61) // POP EAX; POPAD
	return fixJump(append(c, stub...), len(c))
}

// fixJump moves a stub's final JMP rel32 by the shift bytes put before it.
func fixJump(c []byte, shift int) []byte {
	rel := binary.LittleEndian.Uint32(c[len(c)-4:])
	binary.LittleEndian.PutUint32(c[len(c)-4:], rel-uint32(shift))
	return c
}

// tinyPE is the smallest PE file embeddedPEAt accepts: headers and one
// section without file data, then its bytes.
func tinyPE(body []byte) []byte {
	b := make([]byte, 0x200)
	copy(b, "MZ")
	binary.LittleEndian.PutUint32(b[0x3c:], 0x40)
	copy(b[0x40:], "PE\x00\x00")
	binary.LittleEndian.PutUint16(b[0x44:], 0x14c)
	binary.LittleEndian.PutUint16(b[0x46:], 1)
	binary.LittleEndian.PutUint16(b[0x54:], 0xe0)
	copy(b[0x40+24+0xe0:], ".text")
	return append(b, body...)
}

// buildPacked returns the PE file of a stub and a program section (stored
// as given), with the stub at the entry point.
func buildPacked(stub, text []byte) []byte {
	b := make([]byte, 0x800)
	copy(b, "MZ")
	binary.LittleEndian.PutUint32(b[0x3c:], 0x40)
	pe := b[0x40:]
	copy(pe, "PE\x00\x00")
	binary.LittleEndian.PutUint16(pe[4:], 0x14c)
	binary.LittleEndian.PutUint16(pe[6:], 2)
	binary.LittleEndian.PutUint16(pe[20:], 0xe0)
	opt := pe[24:]
	binary.LittleEndian.PutUint16(opt, 0x10b)
	for at, v := range map[int]uint32{16: testStubRVA, 28: testBase, 32: 0x1000, 36: 0x200, 56: 0x3000, 60: 0x200, 92: 16, 104: testStubRVA + 0x100, 108: 40} {
		binary.LittleEndian.PutUint32(opt[at:], v)
	}
	for i, s := range []struct {
		name     string
		rva, raw uint32
		size     uint32
	}{{".text", testTextRVA, testTextRaw, 0x400}, {".stub", testStubRVA, testStubRaw, 0x200}} {
		h := pe[24+0xe0+40*i:]
		copy(h, s.name)
		for k, v := range []uint32{0x1000, s.rva, s.size, s.raw} {
			binary.LittleEndian.PutUint32(h[8+4*k:], v)
		}
		binary.LittleEndian.PutUint32(h[36:], 0xe0000020)
	}
	copy(b[testTextRaw:testStubRaw], text)
	st := b[testStubRaw:]
	copy(st, stub)
	// The import table: one descriptor, its lookup table at 0x140, the
	// DLL's name at 0x160, the address table at 0x180, the hints and
	// names of ExitProcess at 0x1a0 and VirtualAlloc at 0x1c0.
	imp := st[0x100:]
	binary.LittleEndian.PutUint32(imp[0:], testStubRVA+0x140)
	binary.LittleEndian.PutUint32(imp[12:], testStubRVA+0x160)
	binary.LittleEndian.PutUint32(imp[16:], testIAT)
	for _, table := range []int{0x140, 0x180} {
		binary.LittleEndian.PutUint32(st[table:], testStubRVA+0x1a0)
		binary.LittleEndian.PutUint32(st[table+4:], testStubRVA+0x1c0)
	}
	copy(st[0x160:], "KERNEL32.dll")
	copy(st[0x1a2:], "ExitProcess")
	copy(st[0x1c2:], "VirtualAlloc")
	return b
}

// encrypted is text XOR the stub's key.
func encrypted(text []byte) []byte {
	out := bytes.Clone(text)
	for i := range out {
		out[i] ^= testKey
	}
	return out
}
