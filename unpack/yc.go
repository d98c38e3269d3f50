package unpack

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Files protected by yoda's crypter (yC 1.x): a last section "yC" holds a
// loader that decrypts the other sections byte by byte, each byte run
// through a short polymorphic routine of AL arithmetic (ADD, SUB, XOR,
// ROL, ROR with an immediate or with CL, the byte counter; DEC; NOPs and
// short jumps between them). The loader is itself encrypted the same way
// by a first routine. Both routines are interpreted here, not run: the
// file is recognised by its entry point (the yC section's start + 0x60)
// and the loader's fixed instructions around the routines, the sections
// are decrypted as the loader would, and the file without its yC section
// is yielded as "yc-decrypted" for the scan to look at as the program it
// is (a UPX file underneath is then unpacked). Offsets and the sections
// the loader leaves alone are from the format's published analyses.

const (
	ycPolyLen   = 0x30  // a polymorphic routine's bytes
	ycLayer1At  = 0x93  // the loader's routine, from the yC section's start
	ycLoaderAt  = 0xc6  // the encrypted loader
	ycSectionAt = 0x457 // the sections' routine (0x3ea in the 1.x variant)
	ycEntryAt   = 0xa0f // the original entry point
)

// ycInfo is what the entry point's code says about a yC file.
type ycInfo struct {
	sect    int64 // file offset of the yC section, as the loader counts
	loadLen int   // bytes of the encrypted loader
	variant bool  // the 1.x variant, whose sections' routine is elsewhere
}

// readYC recognises a yC file by its entry point's code.
func readYC(r io.ReaderAt, size int64) (ycInfo, bool) {
	var y ycInfo
	head := make([]byte, min(size, 4096))
	n, _ := r.ReadAt(head, 0)
	p, ok := parsePE(head[:n])
	if !ok || p.nsec < 2 {
		return y, false
	}
	last := p.sections[p.nsec-1]
	if p.entry != last.rva+0x60 {
		return y, false
	}
	at, ok := p.fileOffset(p.entry)
	if !ok || at+0x80 > size {
		return y, false
	}
	ep := make([]byte, 0x80)
	if _, err := r.ReadAt(ep, at); err != nil {
		return y, false
	}
	u32 := func(i int) uint32 { return binary.LittleEndian.Uint32(ep[i:]) }
	var offset int64
	var loadLen uint32
	switch {
	case bytes.HasPrefix(ep, []byte("\x55\x8b\xec\x53\x56\x57\x60\xe8\x00\x00\x00\x00\x5d\x81\xed")) &&
		bytes.HasPrefix(ep[0x26:], []byte("\x8d\x3a\x8b\xf7\x33\xc0\xeb\x04\x90\xeb\x01\xc2\xac")) &&
		ep[0x13] == 0xb9 && binary.LittleEndian.Uint16(ep[0x18:]) == 0xe981 &&
		bytes.HasPrefix(ep[0x1e:], []byte("\x8b\xd5\x81\xc2")):
		// yC 1.3: MOV ECX, end; SUB ECX, start gives the loader's length.
		if 0x6c-u32(0xf)+u32(0x22) == ycLoaderAt {
			loadLen = u32(0x14) - u32(0x1a)
		}
	case bytes.HasPrefix(ep, []byte("\x55\x8b\xec\x83\xec\x40\x53\x56\x57")) &&
		bytes.HasPrefix(ep[0x17:], []byte("\xe8\x00\x00\x00\x00\x5d\x81\xed")) && ep[0x23] == 0xb9:
		offset = 0x10 // yC 1.3 with a stack frame first
		if 0x6c-u32(0x1f)+u32(0x32) == ycLoaderAt {
			loadLen = u32(0x24) - u32(0x2a)
		}
	case bytes.HasPrefix(ep, []byte("\x60\xe8\x00\x00\x00\x00\x5d\x81\xed")) && ep[0xd] == 0xb9 &&
		binary.LittleEndian.Uint16(ep[0x12:]) == 0xbd8d && bytes.HasPrefix(ep[0x18:], []byte("\x8b\xf7\xac")):
		offset, y.variant = -0x18, true // yC 1.x, modified
		if 0x66-u32(0x9)+u32(0x14) == 0xae {
			loadLen = u32(0xe)
		}
	}
	// The loader's byte loop (STOSB; LOOP) follows the first routine.
	if loadLen <= 0x800 || loadLen >= 0x2000 || !bytes.HasPrefix(ep[0x63+offset:], []byte("\xaa\xe2\xcc")) {
		return y, false
	}
	y.sect, y.loadLen = int64(last.raw)+offset, int(loadLen)
	if y.sect < 0 || y.sect+ycEntryAt+4 > size || y.sect+ycLoaderAt+int64(loadLen) > size {
		return y, false
	}
	return y, true
}

var errYCRoutine = errors.New("yc: routine not understood")

// ycDecrypt runs routine over each byte of data, CL counting down from
// len(data), as the loader's LOOP does.
func ycDecrypt(routine, data []byte) error {
	// An instruction may end past the routine's last byte.
	routine = routine[:min(len(routine), ycPolyLen+2)]
	cl := byte(len(data))
	for i := range data {
		al := data[i]
		jumps := 0
		for j := 0; j < ycPolyLen; {
			arg := func(k int) (byte, bool) {
				if j+k >= len(routine) {
					return 0, false
				}
				return routine[j+k], true
			}
			op, ok := arg(0)
			if !ok {
				return errYCRoutine
			}
			imm, ok := arg(1)
			switch op {
			case 0x90, 0xf8, 0xf9: // NOP, CLC, STC
				j++
				continue
			case 0xeb: // JMP rel8
				jumps++
				if !ok || jumps > ycPolyLen {
					return errYCRoutine
				}
				j += 2 + int(int8(imm))
				if j < 0 {
					return errYCRoutine
				}
				continue
			}
			if !ok {
				return errYCRoutine
			}
			switch op {
			case 0xfe: // DEC AL
				al--
			case 0x2a: // SUB AL, CL
				al -= cl
			case 0x02: // ADD AL, CL
				al += cl
			case 0x32: // XOR AL, CL
				al ^= cl
			case 0x04: // ADD AL, imm8
				al += imm
			case 0x2c: // SUB AL, imm8
				al -= imm
			case 0x34: // XOR AL, imm8
				al ^= imm
			case 0xd2: // ROL or ROR AL, CL
				al = ycRotate(al, cl, imm == 0xc8)
			case 0xc0: // ROL or ROR AL, imm8
				n, ok := arg(2)
				if !ok {
					return errYCRoutine
				}
				al = ycRotate(al, n, imm == 0xc8)
				j++
			default:
				return errYCRoutine
			}
			j += 2
		}
		data[i] = al
		cl--
	}
	return nil
}

func ycRotate(b, n byte, right bool) byte {
	n &= 7
	if right {
		n = (8 - n) & 7
	}
	return b<<n | b>>((8-n)&7)
}

// ycSkipped are the sections the loader does not decrypt, by the first
// bytes of their names.
var ycSkipped = []string{"rsrc", ".rsr", "relo", ".rel", ".eda", ".rda", ".ida", ".tls", "yC"}

func (w *walker) yc(src io.ReaderAt, size int64) error {
	if size > upxMaxImage || (w.lim.MaxFileSize > 0 && size > w.lim.MaxFileSize) {
		return &LimitError{Limit: LimitFileSize, Member: "yc-decrypted", Max: min(upxMaxImage, w.lim.MaxFileSize)}
	}
	b := make([]byte, size)
	if _, err := src.ReadAt(b, 0); err != nil && err != io.EOF {
		return fmt.Errorf("%w: yc: %v", ErrCorrupt, err)
	}
	out, err := unYC(b)
	if err != nil {
		return err
	}
	w.info.MemberCount = 1
	_, stop := w.emit("yc-decrypted", false, func() (io.Reader, error) { return bytes.NewReader(out), nil })
	return stop
}

// unYC decrypts a yC file in place and returns it without its yC section.
func unYC(b []byte) ([]byte, error) {
	y, ok := readYC(bytes.NewReader(b), int64(len(b)))
	if !ok {
		return nil, fmt.Errorf("%w: yc: not a yoda's crypter loader", ErrCorrupt)
	}
	p, ok := parsePE(b)
	if !ok {
		return nil, fmt.Errorf("%w: yc: PE headers past the first 4 KiB", ErrCorrupt)
	}
	if err := ycDecrypt(b[y.sect+ycLayer1At:], b[y.sect+ycLoaderAt:y.sect+ycLoaderAt+int64(y.loadLen)]); err != nil {
		return nil, fmt.Errorf("%w: %v in the loader's routine", ErrUnsupported, err)
	}
	last := p.sections[p.nsec-1]
	end := int64(len(b)) - int64(last.rawSize)
	if end < last.headerAt+40 {
		return nil, fmt.Errorf("%w: yc: section sizes past the file", ErrCorrupt)
	}
	routineAt := y.sect + ycSectionAt
	if y.variant {
		routineAt = y.sect + 0x3ea
	}
	routine := b[routineAt : routineAt+ycPolyLen+2]
	for _, s := range p.sections[:p.nsec-1] {
		if s.raw == 0 || s.rawSize == 0 || slicesHasPrefix(ycSkipped, s.name[:]) {
			continue
		}
		if int64(s.raw)+int64(s.rawSize) > end {
			return nil, fmt.Errorf("%w: yc: section %q past the end of the file", ErrCorrupt, bytes.TrimRight(s.name[:], "\x00"))
		}
		sec := b[s.raw : s.raw+s.rawSize]
		if err := ycDecrypt(routine, sec); err != nil {
			return nil, fmt.Errorf("%w: %v in the sections' routine", ErrUnsupported, err)
		}
	}
	entry := binary.LittleEndian.Uint32(b[y.sect+ycEntryAt:])
	out := b[:end]
	opt := p.pe + 24
	binary.LittleEndian.PutUint16(out[p.pe+6:], uint16(p.nsec-1))
	binary.LittleEndian.PutUint32(out[opt+16:], entry)
	imageSize := binary.LittleEndian.Uint32(out[opt+56:])
	binary.LittleEndian.PutUint32(out[opt+56:], imageSize-uint32(alignUp(int64(last.vsize), int64(p.sectionAlign))))
	clear(out[opt+0x68 : opt+0x70]) // the loader's import directory
	clear(out[last.headerAt : last.headerAt+40])
	return out, nil
}

func slicesHasPrefix(prefixes []string, name []byte) bool {
	for _, p := range prefixes {
		if bytes.HasPrefix(name, []byte(p)) {
			return true
		}
	}
	return false
}
