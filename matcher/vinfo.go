package matcher

import (
	"bytes"
	"encoding/binary"
	"io"
)

// PE resource and version-information facts (the PE format; the walk
// follows ClamAV's, whose VI offsets it reproduces).
const (
	rtVersion       = 0x10 // resource type of VS_VERSION_INFO
	maxVersionInfos = 16   // ClamAV looks at no more version resources
	resDirHeader    = 16
	resDirEntry     = 8
	viFixedEnd      = 6 + 0x20 + 2 + 0x34 // header, key, padding, VS_FIXEDFILEINFO
	viFixedMagic    = 0xfeef04bd
)

var (
	viKey      = utf16z("VS_VERSION_INFO")
	varFileKey = utf16z("VarFileInfo")
	strFileKey = utf16z("StringFileInfo")
)

// utf16z is s in UTF-16LE with its terminating NUL.
func utf16z(s string) []byte {
	var b []byte
	for _, c := range s {
		b = binary.LittleEndian.AppendUint16(b, uint16(c))
	}
	return append(b, 0, 0)
}

// peFile reads a PE file by RVA through its sections.
type peFile struct {
	r    io.ReaderAt
	size int64
	secs []section
	hdr  uint32
}

// at reads n bytes at the file offset of rva, or nil.
func (p *peFile) at(rva uint32, n int) ([]byte, int64) {
	off, ok := peRaw(p.secs, rva, p.hdr, p.size)
	if !ok {
		return nil, 0
	}
	b := make([]byte, n)
	if !readAt(p.r, p.size, b, off) {
		return nil, 0
	}
	return b, off
}

// versionInfo returns the file offsets of the keys of the strings in the
// PE's version information (StringFileInfo: CompanyName, FileVersion and
// the like, each key followed by its value), where ClamAV lets VI
// subsignatures start. res is the RVA of the resource directory.
func versionInfo(r io.ReaderAt, size int64, secs []section, res, hdr uint32) []int64 {
	p := &peFile{r: r, size: size, secs: secs, hdr: hdr}
	var out []int64
	for _, rva := range p.versionResources(res) {
		entry, _ := p.at(rva, 16)
		if entry == nil {
			continue
		}
		le := binary.LittleEndian
		dataRVA, dataSize := le.Uint32(entry), le.Uint32(entry[4:])
		if int64(dataSize) > size {
			continue
		}
		data, base := p.at(dataRVA, int(dataSize))
		if data == nil {
			continue
		}
		out = append(out, versionStrings(data, base)...)
	}
	return out
}

// versionResources walks the resource directory to the data entries of
// the RT_VERSION resources (every name and language), at most 16.
func (p *peFile) versionResources(res uint32) []uint32 {
	le := binary.LittleEndian
	dir, _ := p.at(res, resDirHeader)
	if dir == nil {
		return nil
	}
	// Type entries by ID come after the named ones.
	named, ids := le.Uint16(dir[12:]), le.Uint16(dir[14:])
	types, _ := p.at(res, resDirHeader+int(named+ids)*resDirEntry)
	if types == nil {
		return nil
	}
	for i := range int(ids) {
		e := types[resDirHeader+(int(named)+i)*resDirEntry:]
		typ, offs := le.Uint32(e), le.Uint32(e[4:])
		if typ != rtVersion || offs>>31 == 0 {
			continue
		}
		return p.resourceLeaves(res, res+offs&0x7fffffff)
	}
	return nil
}

// resourceLeaves lists the data-entry RVAs below a type's directory: every
// name, then every language of it.
func (p *peFile) resourceLeaves(res, dirRVA uint32) []uint32 {
	le := binary.LittleEndian
	var out []uint32
	names := p.entries(dirRVA)
	for i := 0; i+resDirEntry <= len(names); i += resDirEntry {
		offs := le.Uint32(names[i+4:])
		if offs>>31 == 0 {
			continue
		}
		langs := p.entries(res + offs&0x7fffffff)
		for j := 0; j+resDirEntry <= len(langs); j += resDirEntry {
			if lo := le.Uint32(langs[j+4:]); lo>>31 == 0 {
				out = append(out, res+lo)
				if len(out) == maxVersionInfos {
					return out
				}
			}
		}
	}
	return out
}

// entries returns all entries (named and by ID) of the directory at rva.
func (p *peFile) entries(rva uint32) []byte {
	dir, _ := p.at(rva, resDirHeader)
	if dir == nil {
		return nil
	}
	n := int(binary.LittleEndian.Uint16(dir[12:])) + int(binary.LittleEndian.Uint16(dir[14:]))
	all, _ := p.at(rva, resDirHeader+n*resDirEntry)
	if all == nil {
		return nil
	}
	return all[resDirHeader:]
}

// versionStrings walks one VS_VERSION_INFO resource (data, at file offset
// base) as ClamAV does: the fixed part, an optional VarFileInfo, the
// StringFileInfo and its string tables; each string with a value gives the
// offset of its key.
func versionStrings(data []byte, base int64) []int64 {
	le := binary.LittleEndian
	u16 := func(b []byte) int { return int(le.Uint16(b)) }
	var out []int64
	pos, resLeft := 0, len(data)
	for resLeft > 4 {
		v := data[pos:]
		size := u16(v)
		if size > resLeft || size <= viFixedEnd || u16(v[2:]) != 0x34 ||
			!bytes.Equal(v[6:6+len(viKey)], viKey) || le.Uint32(v[0x28:]) != viFixedMagic {
			return out
		}
		pos += viFixedEnd
		left := size - viFixedEnd
		gotVar := false
		for left > 6 {
			sfi := u16(data[pos:]) & 0xffff
			if sfi > left {
				return out
			}
			if !gotVar && sfi > 6+len(varFileKey) && bytes.Equal(data[pos+6:pos+6+len(varFileKey)], varFileKey) {
				pos += sfi
				left -= sfi
				gotVar = true
				continue
			}
			if sfi <= 6+len(strFileKey) || !bytes.Equal(data[pos+6:pos+6+len(strFileKey)], strFileKey) {
				return out
			}
			pos += 6 + len(strFileKey)
			sfi -= 6 + len(strFileKey)
			for sfi > 6 {
				st := u16(data[pos:])
				if st > sfi || st <= 24 {
					return out
				}
				next, nextSfi := pos+st, sfi-st
				pos += 24
				st -= 24
				for st > 6 {
					s := (u16(data[pos:]) + 3) &^ 3
					if s > st || s <= 6+2+8 {
						return out
					}
					key := 6
					for ; key+1 < s; key += 2 {
						if data[pos+key] == 0 && data[pos+key+1] == 0 {
							key += 2
							break
						}
					}
					key = (key + 3) &^ 3
					if key < s && s-key > 2 {
						out = append(out, base+int64(pos)+6)
					}
					pos += s
					st -= s
				}
				pos, sfi = next, nextSfi
			}
			return out // at most one StringFileInfo
		}
		return out // exactly one version info is expected
	}
	return out
}
