package unpack

import "encoding/binary"

// The headers of a 32-bit PE file, as the unpackers of packed programs
// (yc.go, wwpack.go) read them.

type peSection struct {
	name                     [8]byte
	vsize, rva, rawSize, raw uint32
	characteristics          uint32
	headerAt                 int64
}

type peFile struct {
	pe       int64 // offset of "PE\0\0"
	nsec     int
	sections []peSection
	entry    uint32
	// sectionAlign and fileAlign are the image's alignments, 0x1000 and
	// 0x200 when the header's are no power of two.
	sectionAlign, fileAlign uint32
}

// parsePE reads the headers and section table of a 32-bit PE file.
func parsePE(b []byte) (*peFile, bool) {
	if len(b) < 0x40 || b[0] != 'M' || b[1] != 'Z' {
		return nil, false
	}
	pe := int64(binary.LittleEndian.Uint32(b[0x3c:]))
	if pe <= 0 || pe+24+0x70 > int64(len(b)) || string(b[pe:pe+4]) != "PE\x00\x00" {
		return nil, false
	}
	p := &peFile{pe: pe, nsec: int(binary.LittleEndian.Uint16(b[pe+6:]))}
	opt := int64(binary.LittleEndian.Uint16(b[pe+20:]))
	p.entry = binary.LittleEndian.Uint32(b[pe+24+16:])
	p.sectionAlign = binary.LittleEndian.Uint32(b[pe+24+32:])
	if p.sectionAlign == 0 || p.sectionAlign&(p.sectionAlign-1) != 0 {
		p.sectionAlign = 0x1000
	}
	fileAlign := binary.LittleEndian.Uint32(b[pe+24+36:])
	p.fileAlign = fileAlign
	if fileAlign == 0 || fileAlign&(fileAlign-1) != 0 {
		p.fileAlign = 0x200
	}
	at := pe + 24 + opt
	if p.nsec == 0 || p.nsec > 96 || at+40*int64(p.nsec) > int64(len(b)) {
		return nil, false
	}
	for i := 0; i < p.nsec; i++ {
		s := b[at+40*int64(i):]
		sec := peSection{
			vsize:           binary.LittleEndian.Uint32(s[8:]),
			rva:             binary.LittleEndian.Uint32(s[12:]),
			rawSize:         binary.LittleEndian.Uint32(s[16:]),
			raw:             binary.LittleEndian.Uint32(s[20:]),
			headerAt:        at + 40*int64(i),
			characteristics: binary.LittleEndian.Uint32(s[36:]),
		}
		copy(sec.name[:], s)
		if fileAlign >= 0x200 && fileAlign&(fileAlign-1) == 0 {
			sec.raw &^= fileAlign - 1
		}
		p.sections = append(p.sections, sec)
	}
	return p, true
}

// fileOffset maps an RVA to a file offset through the section holding it.
func (p *peFile) fileOffset(rva uint32) (int64, bool) {
	for _, s := range p.sections {
		if rva >= s.rva && rva-s.rva < max(s.vsize, s.rawSize) {
			return int64(s.raw) + int64(rva-s.rva), true
		}
	}
	return 0, false
}

// sectionOf returns the index of the section whose memory holds rva, or
// -1.
func (p *peFile) sectionOf(rva uint32) int {
	for i, s := range p.sections {
		if rva >= s.rva && rva-s.rva < max(s.vsize, s.rawSize) {
			return i
		}
	}
	return -1
}
