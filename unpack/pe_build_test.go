package unpack

import "encoding/binary"

// testPEOpt is where testPE32 puts the optional header.
const testPEOpt = 0x58

type testSection struct {
	name                     string
	vsize, rva, rawSize, raw uint32
}

// testPE32 returns size bytes holding a PE32 header for i386 with entry
// point entry, file alignment 0x200, a 0x3000-byte image and secs.
func testPE32(size int, entry uint32, secs ...testSection) []byte {
	const pe, secTab = 0x40, 0x138
	b := make([]byte, size)
	copy(b, "MZ")
	binary.LittleEndian.PutUint32(b[0x3c:], pe)
	copy(b[pe:], "PE\x00\x00")
	binary.LittleEndian.PutUint16(b[pe+4:], 0x14c)
	binary.LittleEndian.PutUint16(b[pe+6:], uint16(len(secs)))
	binary.LittleEndian.PutUint16(b[pe+20:], 0xe0)
	binary.LittleEndian.PutUint16(b[testPEOpt:], 0x10b)
	binary.LittleEndian.PutUint32(b[testPEOpt+16:], entry)
	binary.LittleEndian.PutUint32(b[testPEOpt+32:], 0x1000)
	binary.LittleEndian.PutUint32(b[testPEOpt+36:], 0x200)
	binary.LittleEndian.PutUint32(b[testPEOpt+56:], 0x3000)
	for i, sec := range secs {
		s := b[secTab+40*i:]
		copy(s, sec.name)
		for k, v := range []uint32{sec.vsize, sec.rva, sec.rawSize, sec.raw} {
			binary.LittleEndian.PutUint32(s[8+4*k:], v)
		}
	}
	return b
}
