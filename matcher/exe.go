package matcher

import (
	"bytes"
	"debug/elf"
	"debug/macho"
	"encoding/binary"
	"io"
)

type fileType uint8

const (
	ftOther fileType = iota
	ftPE
	ftELF
	ftMachO
)

// section is one section in file-offset terms.
type section struct {
	off, size  int64
	rva, vsize uint32 // PE only
}

// execInfo is what offsets and TDB conditions need from an executable.
type execInfo struct {
	typ  fileType
	ep   int64 // file offset of the entry point, -1 when unknown
	secs []section
}

// peMaxSections is the PE limit (the loader refuses more); it also bounds
// what a corrupt header can make us read.
const peMaxSections = 96

// parseExec recognises PE, ELF and Mach-O files. It never fails: a file it
// cannot parse is simply not an executable for offsets and targets, which is
// what ClamAV does with a broken header too.
func parseExec(r io.ReaderAt, size int64, head []byte) (info *execInfo) {
	defer func() {
		// debug/elf and debug/macho have had panics on hostile input; a
		// broken header must not take the scanner down.
		if recover() != nil {
			info = nil
		}
	}()
	switch {
	case len(head) >= 2 && head[0] == 'M' && head[1] == 'Z':
		return parsePE(r, size)
	case len(head) >= 4 && bytes.Equal(head[:4], []byte(elf.ELFMAG)):
		return parseELF(r, size)
	case len(head) >= 4 && isMachO(head):
		return parseMachO(r, size)
	}
	return nil
}

func isMachO(h []byte) bool {
	le, be := binary.LittleEndian.Uint32(h), binary.BigEndian.Uint32(h)
	return le == macho.Magic32 || le == macho.Magic64 || be == macho.Magic32 || be == macho.Magic64
}

// parsePE reads the few header fields offsets need. It is written here
// instead of using debug/pe because debug/pe rejects files whose COFF
// symbol-table pointer is garbage, common in packed malware that Windows
// (and ClamAV) load fine.
func parsePE(r io.ReaderAt, size int64) *execInfo {
	var mz [64]byte
	if _, err := r.ReadAt(mz[:], 0); err != nil {
		return nil
	}
	lfanew := int64(binary.LittleEndian.Uint32(mz[0x3c:]))
	var fh [24]byte
	if lfanew+24 > size {
		return nil
	}
	if _, err := r.ReadAt(fh[:], lfanew); err != nil || !bytes.Equal(fh[:4], []byte("PE\x00\x00")) {
		return nil
	}
	nsec := int(binary.LittleEndian.Uint16(fh[6:]))
	optSize := int64(binary.LittleEndian.Uint16(fh[20:]))
	if nsec > peMaxSections {
		return nil
	}
	var opt [20]byte
	if optSize < 20 {
		return nil
	}
	if _, err := r.ReadAt(opt[:], lfanew+24); err != nil {
		return nil
	}
	if m := binary.LittleEndian.Uint16(opt[:]); m != 0x10b && m != 0x20b {
		return nil
	}
	epRVA := binary.LittleEndian.Uint32(opt[16:])
	tbl := make([]byte, nsec*40) // nsec <= 96: a bounded allocation
	if _, err := r.ReadAt(tbl, lfanew+24+optSize); err != nil {
		return nil
	}
	info := &execInfo{typ: ftPE, ep: -1}
	for i := 0; i < nsec; i++ {
		h := tbl[i*40:]
		info.secs = append(info.secs, section{
			vsize: binary.LittleEndian.Uint32(h[8:]),
			rva:   binary.LittleEndian.Uint32(h[12:]),
			size:  int64(binary.LittleEndian.Uint32(h[16:])),
			off:   int64(binary.LittleEndian.Uint32(h[20:])),
		})
	}
	info.ep = peRaw(info.secs, epRVA, lfanew+24+optSize+int64(nsec*40))
	return info
}

// peRaw maps an RVA to a file offset: inside a section's raw data, or
// inside the headers (which are mapped at RVA 0).
func peRaw(secs []section, rva uint32, hdrEnd int64) int64 {
	for _, s := range secs {
		if rva >= s.rva && int64(rva-s.rva) < s.size {
			return s.off + int64(rva-s.rva)
		}
	}
	if int64(rva) < hdrEnd {
		return int64(rva)
	}
	return -1
}

func parseELF(r io.ReaderAt, size int64) *execInfo {
	f, err := elf.NewFile(io.NewSectionReader(r, 0, size))
	if err != nil {
		return nil
	}
	info := &execInfo{typ: ftELF, ep: -1}
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD && f.Entry >= p.Vaddr && f.Entry-p.Vaddr < p.Filesz {
			info.ep = int64(p.Off + (f.Entry - p.Vaddr))
			break
		}
	}
	for _, s := range f.Sections {
		sz := int64(s.Size)
		if s.Type == elf.SHT_NOBITS {
			sz = 0
		}
		info.secs = append(info.secs, section{off: int64(s.Offset), size: sz})
	}
	return info
}

// lcMain is LC_MAIN (LC_REQ_DYLD | 0x28), which debug/macho does not decode.
const lcMain = 0x80000028

func parseMachO(r io.ReaderAt, size int64) *execInfo {
	f, err := macho.NewFile(io.NewSectionReader(r, 0, size))
	if err != nil {
		return nil
	}
	info := &execInfo{typ: ftMachO, ep: -1}
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
