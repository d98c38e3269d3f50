package unpack

import (
	"bytes"
	"encoding/binary"
)

// firstUnopened is the first Format that Walk cannot read: formats move
// above it in format.go as their unpackers arrive.
const firstUnopened = Lha

// Containers recognised by their magic that this package cannot open (yet):
// their members are never scanned, so a caller must not take such a file
// for clean. Walk returns ErrNoUnpacker for them. Magic bytes are the ones
// ClamAV's file typing and the formats' own documents give.
var unopened = []struct {
	format Format
	at     int
	magic  []byte
}{
	{Ace, 7, []byte("**ACE**")},
	{StuffIt, 0, []byte("SIT!")},
	{StuffIt, 0, []byte("StuffIt (c)1997")},
	{Zoo, 20, []byte{0xdc, 0xa7, 0xc4, 0xfd}},
	{ISCab, 0, []byte("ISc(")}, // InstallShield 5+ cabinets (data1.cab)
	{Alz, 0, []byte("ALZ\x01")},
}

// identifyUnopened recognises the containers of unopened, LHA archives
// ("-lh5-" and the like at offset 2) and UPX-packed executables.
func identifyUnopened(head []byte) Format {
	for _, u := range unopened {
		if len(head) >= u.at+len(u.magic) && bytes.Equal(head[u.at:u.at+len(u.magic)], u.magic) {
			return u.format
		}
	}
	if len(head) >= 7 && head[2] == '-' && head[3] == 'l' && (head[4] == 'h' || head[4] == 'z') && head[6] == '-' {
		return Lha
	}
	if isUPX(head) {
		return UPX
	}
	return Unknown
}

// isUPX reports whether head is a PE file whose section table, as far as
// head holds it, names a UPX section: the packed code is not what the
// signatures describe, so the file cannot be scanned as it is.
func isUPX(head []byte) bool {
	if len(head) < 0x40 || head[0] != 'M' || head[1] != 'Z' {
		return false
	}
	pe := int(binary.LittleEndian.Uint32(head[0x3c:]))
	if pe < 0 || pe+24 > len(head) || !bytes.Equal(head[pe:pe+4], []byte("PE\x00\x00")) {
		return false
	}
	nsec := int(binary.LittleEndian.Uint16(head[pe+6:]))
	optSize := int(binary.LittleEndian.Uint16(head[pe+20:]))
	sec := pe + 24 + optSize
	for i := 0; i < nsec && sec+40*i+8 <= len(head); i++ {
		if bytes.HasPrefix(head[sec+40*i:sec+40*i+8], []byte("UPX")) {
			return true
		}
	}
	return false
}
