package unpack

import (
	"bytes"
	"encoding/binary"
	"io"
)

// Installers keep their payload in a PE file's overlay, the bytes past the
// end of its last section: an NSIS installer its first header and data
// blocks, an InstallShield setup a list of files. identifyOverlay
// recognises those overlays; the walkers read them from there.

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
	var head [4 * isListMaxField]byte
	n, _ := r.ReadAt(head[:], off)
	if _, _, ok := parseISEntry(head[:n], size-off); ok {
		return IShield
	}
	return Unknown
}

// cString splits b at its first NUL.
func cString(b []byte) (string, []byte, bool) {
	i := bytes.IndexByte(b, 0)
	if i < 0 {
		return "", nil, false
	}
	return string(b[:i]), b[i+1:], true
}
