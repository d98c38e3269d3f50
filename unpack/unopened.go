package unpack

import (
	"bytes"
	"encoding/binary"

	"github.com/sigtool/sigtool/filetype"
)

// firstUnopened is the first Format that Walk cannot read: formats move
// above it in format.go as their unpackers arrive.
const firstUnopened = Lha

// identifyUnopened recognises the containers this package cannot open
// (yet), by the types package filetype gives them (their magic is
// there; t is what filetype.Identify says of head), and UPX-packed
// executables: their members are never scanned, so a caller must not take
// such a file for clean. Walk returns ErrNoUnpacker for them.
func identifyUnopened(head []byte, t filetype.Type) Format {
	if f, ok := unopened[t]; ok {
		return f
	}
	if f, ok := unopened[filetype.Extra(head)]; ok {
		return f
	}
	if isUPX(head) {
		return UPX
	}
	return Unknown
}

var unopened = map[filetype.Type]Format{
	filetype.LHALZH:  Lha,
	filetype.ACE:     Ace,
	filetype.StuffIt: StuffIt,
	filetype.Zoo:     Zoo,
	filetype.ISCab:   ISCab,
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
