package unpack

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
)

// No rar writer exists in Go and the rar tool is not free software, so the
// tests build tiny "stored" (method 0) rar archives byte by byte from the
// published format descriptions (RAR 5.0 technote; RAR 1.5-4.x technote).

type rarFile struct {
	name      string
	data      []byte
	encrypted bool // sets the encryption flag/record; data is left as is
}

// rar5 builds a RAR 5 archive; headerCrypt inserts an archive encryption
// header, which hides everything after it.
func rar5(files []rarFile, headerCrypt bool) []byte {
	var out bytes.Buffer
	out.WriteString("Rar!\x1a\x07\x01\x00")
	if headerCrypt {
		var h []byte
		h = vint(h, 4) // archive encryption header
		h = vint(h, 0) // header flags
		h = vint(h, 0) // encryption version (AES-256)
		h = vint(h, 0) // encryption flags
		h = append(h, 15)
		h = append(h, make([]byte, 16)...) // salt
		rar5Block(&out, h, nil)
		out.Write(make([]byte, 64)) // stands in for encrypted headers
		return out.Bytes()
	}
	rar5Block(&out, vint(vint(vint(nil, 1), 0), 0), nil) // main header
	for _, f := range files {
		var extra []byte
		if f.encrypted {
			var rec []byte
			rec = vint(rec, 1) // record type: file encryption
			rec = vint(rec, 0) // version
			rec = vint(rec, 0) // flags
			rec = append(rec, 15)
			rec = append(rec, make([]byte, 32)...) // salt, IV
			extra = vint(nil, uint64(len(rec)))
			extra = append(extra, rec...)
		}
		var h []byte
		h = vint(h, 2) // file header
		flags := uint64(0x0002)
		if len(extra) > 0 {
			flags |= 0x0001
		}
		h = vint(h, flags)
		if len(extra) > 0 {
			h = vint(h, uint64(len(extra)))
		}
		h = vint(h, uint64(len(f.data))) // data size
		h = vint(h, 0x0004)              // file flags: CRC32 present
		h = vint(h, uint64(len(f.data))) // unpacked size
		h = vint(h, 0x20)                // attributes
		h = binary.LittleEndian.AppendUint32(h, crc32.ChecksumIEEE(f.data))
		h = vint(h, 0) // compression: version 0, store, smallest dictionary
		h = vint(h, 0) // host OS: Windows
		h = vint(h, uint64(len(f.name)))
		h = append(h, f.name...)
		h = append(h, extra...)
		rar5Block(&out, h, f.data)
	}
	rar5Block(&out, vint(vint(vint(nil, 5), 0), 0), nil) // end of archive
	return out.Bytes()
}

func rar5Block(out *bytes.Buffer, body, data []byte) {
	sized := vint(nil, uint64(len(body)))
	sized = append(sized, body...)
	out.Write(binary.LittleEndian.AppendUint32(nil, crc32.ChecksumIEEE(sized)))
	out.Write(sized)
	out.Write(data)
}

func vint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// rar4 builds a RAR 1.5-4.x archive with stored files.
func rar4(files []rarFile) []byte {
	var out bytes.Buffer
	out.WriteString("Rar!\x1a\x07\x00")
	main := []byte{0x73, 0, 0, 13, 0, 0, 0, 0, 0, 0, 0}
	rar4Block(&out, main)
	for _, f := range files {
		flags := uint16(0x8000)
		if f.encrypted {
			flags |= 0x0004
		}
		h := []byte{0x74}
		h = binary.LittleEndian.AppendUint16(h, flags)
		h = binary.LittleEndian.AppendUint16(h, uint16(32+len(f.name)))
		h = binary.LittleEndian.AppendUint32(h, uint32(len(f.data))) // packed
		h = binary.LittleEndian.AppendUint32(h, uint32(len(f.data))) // unpacked
		h = append(h, 0)                                             // host OS: MS-DOS
		h = binary.LittleEndian.AppendUint32(h, crc32.ChecksumIEEE(f.data))
		h = binary.LittleEndian.AppendUint32(h, 0x58210000) // DOS time, 2024
		h = append(h, 20, 0x30)                             // version 2.0, method store
		h = binary.LittleEndian.AppendUint16(h, uint16(len(f.name)))
		h = binary.LittleEndian.AppendUint32(h, 0x20)
		h = append(h, f.name...)
		rar4Block(&out, h)
		out.Write(f.data)
	}
	rar4Block(&out, []byte{0x7b, 0x00, 0x40, 7, 0})
	return out.Bytes()
}

// rar4Block prefixes a header (from its type byte on) with its CRC16, the
// low half of the CRC32 of the rest.
func rar4Block(out *bytes.Buffer, h []byte) {
	out.Write(binary.LittleEndian.AppendUint16(nil, uint16(crc32.ChecksumIEEE(h))))
	out.Write(h)
}
