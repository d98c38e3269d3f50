package ole2build

import (
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf16"
)

// CompressVBA writes src as an MS-OVBA CompressedContainer (2.4.1), with a
// greedy search for copy tokens.
func CompressVBA(src []byte) []byte {
	out := []byte{1}
	for cs := 0; cs < len(src); cs += 4096 {
		chunk := src[cs:min(cs+4096, len(src))]
		var body []byte
		for i := 0; i < len(chunk); {
			flagAt := len(body)
			body = append(body, 0)
			for bit := 0; bit < 8 && i < len(chunk); bit++ {
				bits := 4
				for (1 << bits) < i {
					bits++
				}
				maxLen := (0xffff >> bits) + 3
				bestLen, bestOff := 0, 0
				for off := 1; off <= i && off <= 1<<bits; off++ {
					l := 0
					for l < maxLen && i+l < len(chunk) && chunk[i+l] == chunk[i-off+l] {
						l++
					}
					if l > bestLen {
						bestLen, bestOff = l, off
					}
				}
				if bestLen >= 3 {
					tok := uint16((bestOff-1)<<(16-bits) | (bestLen - 3))
					body[flagAt] |= 1 << bit
					body = binary.LittleEndian.AppendUint16(body, tok)
					i += bestLen
				} else {
					body = append(body, chunk[i])
					i++
				}
			}
		}
		hdr := uint16(0xb000) | uint16(len(body)+2-3)
		out = binary.LittleEndian.AppendUint16(out, hdr)
		out = append(out, body...)
	}
	return out
}

// Module is one VBA module: its name (also its stream's), the source a
// user sees in the editor, and how many bytes of performance cache (here
// filler) precede the compressed source in its stream.
type Module struct {
	Name   string
	Source string
	Cache  int
}

// Project returns the streams of a VBA project in storage dir ("Macros"
// for Word, "_VBA_PROJECT_CUR" for Excel): its VBA storage's dir,
// _VBA_PROJECT and module streams, and the PROJECT stream. With legacy,
// _VBA_PROJECT holds a performance cache that lists the modules, as
// Office writes it and as ClamAV's older VBA reader (the one whose
// modules target-2 signatures are matched against) requires; without, it
// is the 7-byte stream MS-OVBA 2.3.4.1 allows, which Office reads too.
func Project(dir string, legacy bool, mods ...Module) []Stream {
	vba := dir + "/VBA/"
	proj := []byte{0xcc, 0x61, 0xff, 0xff, 0x00, 0x00, 0x00}
	if legacy {
		proj = LegacyProject(mods...)
	}
	var text strings.Builder
	text.WriteString("ID=\"{00000000-0000-0000-0000-000000000000}\"\r\n")
	out := []Stream{{vba + "_VBA_PROJECT", proj}, {vba + "dir", DirStream(mods...)}}
	for _, m := range mods {
		data := append(make([]byte, m.Cache), CompressVBA([]byte(m.Source))...)
		out = append(out, Stream{vba + m.Name, data})
		fmt.Fprintf(&text, "Module=%s\r\n", m.Name)
	}
	text.WriteString("Name=\"VBAProject\"\r\n")
	return append(out, Stream{dir + "/PROJECT", []byte(text.String())})
}

// DirStream is a compressed dir stream (MS-OVBA 2.3.4.2) naming the
// modules, each with its source at its Cache offset.
func DirStream(mods ...Module) []byte {
	var d []byte
	rec := func(id uint16, data []byte) {
		d = binary.LittleEndian.AppendUint16(d, id)
		d = binary.LittleEndian.AppendUint32(d, uint32(len(data)))
		d = append(d, data...)
	}
	rec(0x0001, []byte{1, 0, 0, 0})                      // PROJECTSYSKIND
	d = append(d, 0x09, 0, 4, 0, 0, 0, 1, 0, 0, 0, 2, 0) // PROJECTVERSION: size says 4, 6 follow
	rec(0x0004, []byte("VBAProject"))
	for _, m := range mods {
		rec(0x0019, []byte(m.Name))
		rec(0x001a, []byte(m.Name))
		rec(0x0032, utf16LE(m.Name))
		rec(0x0031, binary.LittleEndian.AppendUint32(nil, uint32(m.Cache)))
		rec(0x0021, nil)
		rec(0x002b, nil)
	}
	rec(0x0010, nil)
	return CompressVBA(d)
}

// LegacyProject is a _VBA_PROJECT stream with the VBA 5/6 performance
// cache laid out as ClamAV's cli_vba_readdir reads it: the 0xCC61 header,
// a reference string ("*\G{...}"), a run up to an 0xFFFF marker, 100
// bytes it skips, then one record per module with its stream name and
// the offset of its compressed source.
func LegacyProject(mods ...Module) []byte {
	le16 := func(b []byte, v int) []byte { return binary.LittleEndian.AppendUint16(b, uint16(v)) }
	b := []byte{0xcc, 0x61, 0x5e, 0x00, 0x00, 0x01} // signature, version (Office 97)
	b = append(b, make([]byte, 28)...)
	ref := utf16LE(`*\G{000204EF-0000-0000-C000-000000000046}#4.0#9#VBE6.DLL#Visual Basic For Applications`)
	b = le16(b, len(ref))
	b = append(b, ref...)
	b = le16(b, 0)                     // no further reference strings
	b = append(b, make([]byte, 10)...) // what follows the strings
	b = le16(b, 0)                     // too short for a string: the strings end
	b = le16(b, 0xffff)                // the marker the reader runs to
	b = le16(b, 0xffff)                // nothing to skip
	b = le16(b, 0)
	b = append(b, make([]byte, 100)...)
	b = le16(b, len(mods))
	for _, m := range mods {
		name := utf16LE(m.Name)
		b = le16(b, len(name))
		b = append(b, name...)
		b = le16(b, 0)      // a second name, empty
		b = le16(b, 0xffff) // then 2 bytes, a length (0) and 8 bytes
		b = append(b, 0, 0)
		b = le16(b, 0)
		b = append(b, make([]byte, 8)...)
		b = le16(b, 0) // no 8-byte entries, then 5 bytes
		b = append(b, make([]byte, 5)...)
		b = binary.LittleEndian.AppendUint32(b, uint32(m.Cache))
		b = append(b, 0, 0)
	}
	return b
}

func utf16LE(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		binary.LittleEndian.PutUint16(b[2*i:], c)
	}
	return b
}
