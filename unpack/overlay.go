package unpack

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
)

// Installers and self-extracting archives keep their payload in a PE
// file's overlay, the bytes past the end of its last section: an NSIS
// installer its first header and data blocks, an InstallShield setup a
// list of files, a self-extractor (7-Zip, WinRAR, WinZip, ARJ, CAB) the
// archive itself. identifyOverlay recognises those overlays; the walkers
// read them from there, a self-extractor's archive as one member
// ("overlay") that the scan opens as the archive it is. Archives
// elsewhere in a file (ClamAV's SFX type signatures anywhere) are not
// looked for.

// peOverlay returns where the overlay of the PE file r starts, or false
// when r is no PE or has none.
func peOverlay(r io.ReaderAt, size int64) (int64, bool) {
	var h [0x40]byte
	if _, err := r.ReadAt(h[:], 0); err != nil || h[0] != 'M' || h[1] != 'Z' {
		return 0, false
	}
	pe := int64(binary.LittleEndian.Uint32(h[0x3c:]))
	var fh [24]byte
	if pe <= 0 || pe+24 > size {
		return 0, false
	}
	if _, err := r.ReadAt(fh[:], pe); err != nil || string(fh[:4]) != "PE\x00\x00" {
		return 0, false
	}
	nsec := int64(binary.LittleEndian.Uint16(fh[6:]))
	opt := int64(binary.LittleEndian.Uint16(fh[20:]))
	if nsec == 0 || nsec > 96 {
		return 0, false
	}
	secs := make([]byte, 40*nsec)
	if _, err := r.ReadAt(secs, pe+24+opt); err != nil {
		return 0, false
	}
	var end int64
	for i := int64(0); i < nsec; i++ {
		s := secs[40*i:]
		rawSize := int64(binary.LittleEndian.Uint32(s[16:]))
		rawPtr := int64(binary.LittleEndian.Uint32(s[20:]))
		if rawSize > 0 {
			end = max(end, rawPtr+rawSize)
		}
	}
	if end <= 0 || end >= size {
		return 0, false
	}
	return end, true
}

// identifyOverlay recognises the installers opened here by their overlay.
func identifyOverlay(r io.ReaderAt, size int64) Format {
	off, ok := peOverlay(r, size)
	if !ok {
		return Unknown
	}
	if _, ok := findNSIS(r, size, off); ok {
		return Nsis
	}
	if _, ok := findISMSI(r, size); ok {
		return ISMSI
	}
	var head [4 * isListMaxField]byte
	n, _ := r.ReadAt(head[:], off)
	if _, _, ok := parseISEntry(head[:n], size-off); ok {
		return IShield
	}
	if _, ok := sfxArchive(r, size, off); ok {
		return Overlay
	}
	return Unknown
}

// sfxSearch is how far into the overlay a self-extractor's archive is
// looked for: stubs keep some data of their own after their sections.
const sfxSearch = 64 << 10

var sfxMagics = [][]byte{magicZip, magic7z, magicRar4, magicRar5, magicCab, {0x60, 0xea}}

// sfxArchive finds the earliest archive the overlay at off holds in its
// first sfxSearch bytes, confirmed by Identify at that place.
func sfxArchive(r io.ReaderAt, size, off int64) (int64, bool) {
	buf := make([]byte, min(size-off, sfxSearch+HeadSize))
	n, _ := r.ReadAt(buf, off)
	buf = buf[:n]
	best := -1
	for _, m := range sfxMagics {
		for from := 0; from < len(buf) && from < sfxSearch; {
			i := bytes.Index(buf[from:], m)
			if i < 0 || (best >= 0 && from+i >= best) {
				break
			}
			at := from + i
			if f := Identify(buf[at:min(len(buf), at+HeadSize)]); f != Unknown && f.Opened() && sfxConfirmed(f, buf, at) {
				best = at
				break
			}
			from = at + 1
		}
	}
	return off + int64(best), best >= 0
}

// sfxConfirmed checks more than the magic where it is short: ARJ's two
// bytes occur in the debug data of ordinary DLLs (a quarter of libwine's
// have them in the overlay), so an ARJ archive needs a main header whose
// CRC holds.
func sfxConfirmed(f Format, buf []byte, at int) bool {
	if f != Arj {
		return true
	}
	h, err := readARJHeader(bytes.NewReader(buf), int64(at), int64(len(buf)))
	return err == nil && h != nil
}

// findMagic returns the first place where magic starts and ok holds, in
// the first HeadSize bytes of r (where package filetype finds it) or in
// the first sfxSearch bytes of a PE file's overlay (where installers
// keep their data).
func findMagic(r io.ReaderAt, size int64, magic []byte, ok func(at int64) bool) (int64, bool) {
	search := func(off, n int64) (int64, bool) {
		buf := make([]byte, max(0, min(size-off, n+int64(len(magic)))))
		got, _ := r.ReadAt(buf, off)
		for from := 0; from < got; {
			i := bytes.Index(buf[from:got], magic)
			if i < 0 {
				break
			}
			if at := off + int64(from+i); ok(at) {
				return at, true
			}
			from += i + 1
		}
		return 0, false
	}
	if at, found := search(0, HeadSize); found {
		return at, true
	}
	if off, isPE := peOverlay(r, size); isPE {
		return search(off, sfxSearch)
	}
	return 0, false
}

// overlay yields a PE file's overlay, which holds a container.
func (w *walker) overlay(src io.ReaderAt, size int64) error {
	off, ok := peOverlay(src, size)
	if ok {
		off, ok = sfxArchive(src, size, off)
	}
	if !ok {
		return fmt.Errorf("%w: no archive in the PE overlay", ErrCorrupt)
	}
	w.info.MemberCount = 1
	_, stop := w.emit("overlay", false, func() (io.Reader, error) { return io.NewSectionReader(src, off, size-off), nil })
	return stop
}

// cString splits b at its first NUL.
func cString(b []byte) (string, []byte, bool) {
	i := bytes.IndexByte(b, 0)
	if i < 0 {
		return "", nil, false
	}
	return string(b[:i]), b[i+1:], true
}
