package matcher

import (
	"bytes"
	"debug/macho"
	"encoding/binary"
	"io"
	"slices"

	"github.com/sigtool/sigtool/filetype"
)

// section is one section in file-offset terms.
type section struct {
	off, size  int64
	rva, vsize uint32 // PE only
}

// execInfo is what offsets and target-description conditions need from an
// executable: ClamAV's "target info". It exists for content typed as an
// executable (filetype MSEXE, ELF, Mach-O); ok is false when its headers
// did not parse, and then, as in ClamAV, no offset relative to the file
// can be computed for it (EP, sections, and EOF-n too), while its target's
// signatures at other offsets still apply: a damaged header does not
// change the type.
type execInfo struct {
	ok   bool
	ep   int64 // file offset of the entry point
	secs []section
	// vinfo holds the file offsets of the PE version-information string
	// values, where VI subsignatures may start.
	vinfo []int64
}

// peMaxSections bounds the section table read (ClamAV reads what the
// header says and fails when the file is shorter; this bounds memory).
const peMaxSections = 0xffff

// parseExec returns the target info of content of type t, or nil for a
// type that has none. It never fails: what does not parse gives ok false.
func parseExec(r io.ReaderAt, size int64, t filetype.Type) (info *execInfo) {
	defer func() {
		// debug/macho has had panics on hostile input; a broken header
		// must not take the scanner down.
		if recover() != nil {
			info = &execInfo{}
		}
	}()
	switch t {
	case filetype.MSEXE:
		return parsePE(r, size)
	case filetype.ELF:
		return parseELF(r, size)
	case filetype.MachO, filetype.MachOUnibin:
		return parseMachO(r, size)
	}
	return nil
}

// readAt reads len(b) bytes at off, reporting whether they were all there.
func readAt(r io.ReaderAt, size int64, b []byte, off int64) bool {
	if off < 0 || off+int64(len(b)) > size {
		return false
	}
	n, _ := r.ReadAt(b, off)
	return n == len(b)
}

// peAlign rounds o down, peAlignUp up, to a multiple of a (none when a is 0).
func peAlign(o, a uint32) uint32 {
	if a == 0 {
		return o
	}
	return o / a * a
}

func peAlignUp(o, a uint32) uint32 {
	if a == 0 {
		return o
	}
	return (o/a + b2u(o%a != 0)) * a
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// PE header sizes.
const (
	peFileHeader = 24 // "PE\0\0" and the COFF header
	peOpt32      = 96 // PE32 optional header without data directories
	peOpt64Extra = 16 // what PE32+ adds
	peSectionHdr = 40 // one section table entry
	peDataDir    = 8  // one data directory entry
	peMagic64    = 0x20b
)

// parsePE reads the PE header as ClamAV's (cli_peheader) does for target
// info, with its checks and its alignment of section offsets and sizes. It
// is written here instead of using debug/pe, which refuses files whose COFF
// symbol-table pointer is garbage (common in packed malware that Windows
// and ClamAV load fine), and accepts what ClamAV would not.
func parsePE(r io.ReaderAt, size int64) *execInfo {
	bad := &execInfo{}
	var mz [64]byte
	if !readAt(r, size, mz[:], 0) {
		return bad
	}
	lfanew := int64(binary.LittleEndian.Uint32(mz[0x3c:]))
	var fh [peFileHeader]byte
	if lfanew == 0 || !readAt(r, size, fh[:], lfanew) || !bytes.Equal(fh[:4], []byte("PE\x00\x00")) {
		return bad
	}
	nsec := int(binary.LittleEndian.Uint16(fh[6:]))
	optSize := int64(binary.LittleEndian.Uint16(fh[20:]))
	if nsec == 0 || optSize < peOpt32 {
		return bad
	}
	opt := make([]byte, peOpt32+peOpt64Extra)
	at := lfanew + peFileHeader
	if !readAt(r, size, opt[:peOpt32], at) {
		return bad
	}
	stored := int64(peOpt32)
	le := binary.LittleEndian
	vep := le.Uint32(opt[16:])
	salign, falign := le.Uint32(opt[32:]), le.Uint32(opt[36:])
	hdrSize := le.Uint32(opt[60:])
	ndirs := le.Uint32(opt[92:])
	if le.Uint16(opt) == peMagic64 {
		if optSize < peOpt32+peOpt64Extra || !readAt(r, size, opt[peOpt32:], at+peOpt32) {
			return bad
		}
		stored += peOpt64Extra
		ndirs = le.Uint32(opt[108:])
	}
	ndirs = min(ndirs, 16)
	dirs := make([]byte, ndirs*peDataDir)
	if optSize < stored+int64(len(dirs)) || !readAt(r, size, dirs, at+stored) {
		return bad
	}
	tbl := make([]byte, min(nsec, peMaxSections)*peSectionHdr)
	if !readAt(r, size, tbl, at+optSize) {
		return bad
	}
	// ClamAV falls back to 512-byte file alignment when a section's raw
	// offset is not aligned to the declared one but is to 512.
	for i := 0; falign != 0x200 && i < nsec; i++ {
		h := tbl[i*peSectionHdr:]
		if raw := le.Uint32(h[20:]); falign != 0 && le.Uint32(h[16:]) != 0 && raw%falign != 0 && raw%0x200 == 0 {
			falign = 0x200
		}
	}
	info := &execInfo{ok: true}
	for i := 0; i < nsec; i++ {
		h := tbl[i*peSectionHdr:]
		uvsz, urva, ursz, uraw := le.Uint32(h[8:]), le.Uint32(h[12:]), le.Uint32(h[16:]), le.Uint32(h[20:])
		s := section{
			rva:   peAlign(urva, salign),
			vsize: peAlignUp(uvsz, salign),
			off:   int64(peAlign(uraw, falign)),
			size:  int64(peAlignUp(ursz, falign)),
		}
		if s.size != 0 {
			if s.off >= size || int64(uraw) >= size {
				s.size = 0
			} else if s.off+s.size > size {
				s.size = size - s.off
			}
		}
		if s.vsize == 0 && s.size != 0 {
			s.vsize = peAlignUp(ursz, salign)
		}
		if urva>>31 != 0 || uvsz>>31 != 0 || (s.size != 0 && uraw>>31 != 0) || ursz>>31 != 0 {
			return bad
		}
		info.secs = append(info.secs, s)
	}
	hdr := peAlignUp(hdrSize, salign)
	ep, ok := peRaw(info.secs, vep, hdr, size)
	if !ok {
		return bad
	}
	info.ep = ep
	if ndirs >= 3 {
		if res, ressz := le.Uint32(dirs[16:]), le.Uint32(dirs[20:]); ressz != 0 {
			info.vinfo = versionInfo(r, size, info.secs, res, hdr)
			slices.Sort(info.vinfo)
		}
	}
	return info
}

// peRaw maps an RVA to a file offset as ClamAV does: inside the headers
// (below hdrSize) it is the offset itself, else inside the last section
// whose raw data holds it.
func peRaw(secs []section, rva, hdrSize uint32, size int64) (int64, bool) {
	if rva < hdrSize {
		return int64(rva), int64(rva) < size
	}
	for i := len(secs) - 1; i >= 0; i-- {
		s := secs[i]
		if s.size != 0 && s.rva <= rva && s.size > int64(rva-s.rva) {
			return int64(rva-s.rva) + s.off, true
		}
	}
	return 0, false
}

// ELF header facts.
const (
	elfClass32, elfClass64 = 1, 2
	elfPhdr32, elfPhdr64   = 32, 56
	elfShdr32, elfShdr64   = 40, 64
	elfMaxPhdrs            = 128
	elfMaxShdrs            = 256
)

// parseELF reads what ClamAV's cli_elfheader reads for target info: the
// entry point mapped through the program headers (any of them whose memory
// range holds it) and the section table as written, garbage or not; only
// headers that cannot be read, or sizes that are not the standard ones,
// make it fail. So an ELF whose section table was overwritten keeps its
// entry point, and its "sections" are what the overwritten bytes say.
func parseELF(r io.ReaderAt, size int64) *execInfo {
	bad := &execInfo{}
	var h [64]byte
	if !readAt(r, size, h[:52], 0) || !bytes.Equal(h[:4], []byte("\x7fELF")) {
		return bad
	}
	var bo binary.ByteOrder = binary.BigEndian
	if h[5] == 1 {
		bo = binary.LittleEndian
	}
	var entry, phoff, shoff uint64
	var phentsize, phnum, shentsize, shnum uint16
	wide := false
	switch h[4] {
	case elfClass32:
		entry, phoff, shoff = uint64(bo.Uint32(h[24:])), uint64(bo.Uint32(h[28:])), uint64(bo.Uint32(h[32:]))
		phentsize, phnum, shentsize, shnum = bo.Uint16(h[42:]), bo.Uint16(h[44:]), bo.Uint16(h[46:]), bo.Uint16(h[48:])
	case elfClass64:
		if !readAt(r, size, h[52:], 52) {
			return bad
		}
		wide = true
		entry, phoff, shoff = bo.Uint64(h[24:]), bo.Uint64(h[32:]), bo.Uint64(h[40:])
		phentsize, phnum, shentsize, shnum = bo.Uint16(h[54:]), bo.Uint16(h[56:]), bo.Uint16(h[58:]), bo.Uint16(h[60:])
	default:
		return bad
	}
	info := &execInfo{ok: true}
	if phnum > elfMaxPhdrs {
		return bad
	}
	if phnum != 0 && entry != 0 {
		want := uint16(elfPhdr32)
		if wide {
			want = elfPhdr64
		}
		if phentsize != want {
			return bad
		}
		found := false
		p := make([]byte, want)
		for i := range int(phnum) {
			if !readAt(r, size, p, int64(phoff)+int64(i)*int64(want)) {
				return bad
			}
			if found {
				continue // ClamAV reads them all before mapping
			}
			var off, vaddr, memsz uint64
			if wide {
				off, vaddr, memsz = bo.Uint64(p[8:]), bo.Uint64(p[16:]), bo.Uint64(p[40:])
			} else {
				off, vaddr, memsz = uint64(bo.Uint32(p[4:])), uint64(bo.Uint32(p[8:])), uint64(bo.Uint32(p[20:]))
			}
			if vaddr <= entry && vaddr+memsz > entry {
				info.ep, found = int64(entry-vaddr+off), true
			}
		}
		if !found {
			return bad
		}
	}
	if shnum > elfMaxShdrs {
		return bad
	}
	want := uint16(elfShdr32)
	if wide {
		want = elfShdr64
	}
	if shentsize != want {
		return bad
	}
	s := make([]byte, want)
	for i := range int(shnum) {
		if !readAt(r, size, s, int64(shoff)+int64(i)*int64(want)) {
			return bad
		}
		if wide {
			info.secs = append(info.secs, section{off: int64(bo.Uint64(s[24:])), size: int64(bo.Uint64(s[32:]))})
		} else {
			info.secs = append(info.secs, section{off: int64(bo.Uint32(s[16:])), size: int64(bo.Uint32(s[20:]))})
		}
	}
	return info
}

// lcMain is LC_MAIN (LC_REQ_DYLD | 0x28), which debug/macho does not decode.
const lcMain = 0x80000028

func parseMachO(r io.ReaderAt, size int64) *execInfo {
	f, err := macho.NewFile(io.NewSectionReader(r, 0, size))
	if err != nil {
		return &execInfo{}
	}
	info := &execInfo{ok: true}
	for _, s := range f.Sections {
		info.secs = append(info.secs, section{off: int64(s.Offset), size: int64(s.Size)})
	}
	for _, l := range f.Loads {
		raw := l.Raw()
		if len(raw) >= 16 && f.ByteOrder.Uint32(raw) == lcMain {
			// entryoff is the entry point's offset in the file.
			info.ep = int64(f.ByteOrder.Uint64(raw[8:]))
		}
	}
	return info
}
