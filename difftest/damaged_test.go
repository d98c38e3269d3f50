package difftest

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// TestDamagedExecutables (issue 23, point 3): ClamAV types a file by its
// magic bytes, not by a well-formed header, so a PE or ELF with damaged
// headers is still that type for target matching; what it cannot parse
// (entry point, sections; and then EOF-n offsets too, which ClamAV does
// not compute for an executable whose headers fail) does not match.
func TestDamagedExecutables(t *testing.T) {
	clamscanPath(t)
	el := systemELF(t)
	le := binary.LittleEndian
	shoff := int(le.Uint64(el.data[0x28:]))
	shnum := int(le.Uint16(el.data[0x3c:]))
	const elfMark = "damaged elf body"
	const peMark = "damaged pe body!"

	// The section-header table overwritten by the signature's bytes (the
	// case the issue reports), garbage around it: headers still read.
	shtOver := bytes.Clone(el.data)
	copy(shtOver[shoff+8:], elfMark)
	for i := shoff + 8 + len(elfMark); i < shoff+64*shnum && i < len(shtOver); i++ {
		shtOver[i] = byte(i * 131)
	}
	// The table beyond the end of the file: ClamAV's ELF parse fails.
	shtGone := patch(el.data, el.toff+40, elfMark)
	le.PutUint64(shtGone[0x28:], uint64(len(shtGone)+4096))
	// A section-entry size that is not the standard one: parse fails.
	badEntSize := patch(el.data, el.toff+40, elfMark)
	le.PutUint16(badEntSize[0x3a:], 63)
	epMark := func(d []byte) []byte { return patch(d, el.ep+4, "elfep+4!") }
	eofMark := func(d []byte) []byte { return patch(d, len(d)-40, "elf-eof-40") }

	pe, lay := samplePE()
	peAt := func(d []byte) []byte { return patch(d, lay.secOff[2]+40, peMark) }
	noSig := peAt(pe)
	copy(noSig[peLfanew:], "XX")
	lfanewZero := peAt(pe)
	le.PutUint32(lfanewZero[0x3c:], 0)
	shortOpt := peAt(pe)
	le.PutUint16(shortOpt[peLfanew+4+16:], 64)
	noSections := peAt(pe)
	le.PutUint16(noSections[peLfanew+4+2:], 0)
	manySections := peAt(pe)
	le.PutUint16(manySections[peLfanew+4+2:], 0xffff)
	mzOnly := append([]byte("MZ"), bytes.Repeat([]byte{0x90}, 600)...)
	copy(mzOnly[300:], peMark)
	peEP := func(d []byte) []byte { return patch(d, lay.epFile+4, "peep+4!!") }
	peEOF := func(d []byte) []byte { return patch(d, len(d)-40, "pe-eof-40!") }

	runCases(t, []diffCase{
		ndbCase("DamagedELFBody", 6, "*", hx(elfMark),
			hit("sht overwritten", shtOver),
			hit("sht beyond the end", shtGone),
			hit("bad entry size", badEntSize),
			miss("pe", peAt(pe))),
		ndbCase("DamagedELFEntry", 6, "EP+4", hx("elfep+4!"),
			hit("intact", epMark(el.data)),
			hit("sht overwritten", epMark(shtOver)), // program headers still map the entry point
			miss("sht beyond the end", epMark(shtGone)),
			miss("bad entry size", epMark(badEntSize))),
		ndbCase("DamagedELFEOF", 6, "EOF-40", hx("elf-eof-40"),
			hit("intact", eofMark(el.data)),
			miss("sht beyond the end", eofMark(shtGone))),
		ndbCase("DamagedPEBody", 1, "*", hx(peMark),
			hit("intact", peAt(pe)),
			hit("no PE signature", noSig),
			hit("e_lfanew zero", lfanewZero),
			hit("optional header too short", shortOpt),
			hit("no sections", noSections),
			hit("section table cut off", manySections),
			hit("MZ and nothing else", mzOnly),
			miss("elf", patch(el.data, el.toff+40, peMark))),
		ndbCase("DamagedPEEntry", 1, "EP+4", hx("peep+4!!"),
			hit("intact", peEP(pe)),
			miss("no PE signature", peEP(noSig)),
			miss("no sections", peEP(noSections))),
		ndbCase("DamagedPEEOF", 1, "EOF-40", hx("pe-eof-40!"),
			hit("intact", peEOF(pe)),
			miss("no PE signature", peEOF(noSig)),
			miss("optional header too short", peEOF(shortOpt))),
		ndbCase("DamagedAnyEOF", 0, "EOF-40", hx("pe-eof-40!"),
			hit("intact pe", peEOF(pe)),
			// Generic signatures share the executable's target info.
			miss("no PE signature", peEOF(noSig))),
	})
}
