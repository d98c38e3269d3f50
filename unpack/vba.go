package unpack

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"unicode/utf16"

	"github.com/sigtool/sigtool/filetype"
)

// VBA projects (MS-OVBA): a storage holding _VBA_PROJECT, a compressed
// "dir" stream that lists the modules, and one stream per module whose
// compressed source starts at the offset dir gives. Each module's source
// is yielded, decompressed, as "<storage>/<module stream>.vba", so that
// macro signatures (ClamAV target 2) can match the text a user would see;
// the raw streams are yielded as well, as every stream is.

var errVBACompression = errors.New("vba: bad compressed container")

// maxVBASource bounds one decompressed module or dir stream; the format's
// chunks expand at most 4096/3 times, so a stream within the member size
// limit cannot reach it by much.
const maxVBASource = 64 * mib

// decompressVBA decodes a CompressedContainer (MS-OVBA 2.4.1): a 0x01
// signature byte, then chunks of up to 4096 decompressed bytes, each with
// a 2-byte header (size-3 in 12 bits, signature 0b011, a "compressed"
// flag) and, when compressed, groups of a flag byte and eight tokens:
// literals, or copy tokens whose split between offset and length bits
// depends on how far into the chunk the decoder is. What decodes before
// damage is returned with the error.
func decompressVBA(in []byte, max int) ([]byte, error) {
	if len(in) == 0 || in[0] != 1 {
		return nil, errVBACompression
	}
	out := make([]byte, 0, min(len(in)*3, max))
	p := 1
	for p+2 <= len(in) {
		hdr := binary.LittleEndian.Uint16(in[p:])
		size := int(hdr&0x0fff) + 3
		compressed := hdr&0x8000 != 0
		if (hdr>>12)&0x7 != 0x3 {
			return out, errVBACompression
		}
		end := min(p+size, len(in))
		chunk := in[p+2 : end]
		p = end
		start := len(out)
		if !compressed {
			// A raw chunk is always 4096 bytes.
			out = append(out, chunk[:min(len(chunk), 4096)]...)
		} else {
			for i := 0; i < len(chunk); {
				flags := chunk[i]
				i++
				for bit := 0; bit < 8 && i < len(chunk); bit++ {
					if flags&(1<<bit) == 0 {
						out = append(out, chunk[i])
						i++
						continue
					}
					if i+1 >= len(chunk) {
						return out, errVBACompression
					}
					tok := int(binary.LittleEndian.Uint16(chunk[i:]))
					i += 2
					diff := len(out) - start
					bits := 4
					for (1 << bits) < diff {
						bits++
					}
					lengthMask := 0xffff >> bits
					length := tok&lengthMask + 3
					offset := tok>>(16-bits) + 1
					if offset > diff {
						return out, errVBACompression
					}
					from := len(out) - offset
					for k := 0; k < length; k++ { // overlapping copies repeat bytes
						out = append(out, out[from+k])
					}
				}
			}
		}
		if len(out) > max {
			return out[:max], &LimitError{Limit: LimitFileSize, Max: int64(max)}
		}
	}
	return out, nil
}

type vbaModule struct {
	stream string
	offset uint32
}

// parseVBADir reads the module list from a decompressed dir stream
// (MS-OVBA 2.3.4.2). Records are id, size, data, except PROJECTVERSION
// (0x0009), whose size field says 4 where 6 bytes follow.
func parseVBADir(d []byte) []vbaModule {
	var mods []vbaModule
	var cur *vbaModule
	for p := 0; p+6 <= len(d); {
		id := binary.LittleEndian.Uint16(d[p:])
		size := int(binary.LittleEndian.Uint32(d[p+2:]))
		p += 6
		if id == 0x0009 {
			size = 6
		}
		if size < 0 || p+size > len(d) {
			break
		}
		data := d[p : p+size]
		p += size
		switch id {
		case 0x0019: // MODULENAME starts a module
			mods = append(mods, vbaModule{stream: string(data)})
			cur = &mods[len(mods)-1]
		case 0x001a: // MODULESTREAMNAME (MBCS)
			if cur != nil {
				cur.stream = string(data)
			}
		case 0x0032: // its Unicode form
			if cur != nil && len(data) >= 2 {
				cur.stream = decodeUTF16LE(data)
			}
		case 0x0031: // MODULEOFFSET
			if cur != nil && len(data) >= 4 {
				cur.offset = binary.LittleEndian.Uint32(data)
			}
		case 0x002b: // TERMINATOR of a module
			cur = nil
		case 0x0010: // end of dir
			return mods
		}
	}
	return mods
}

// vbaProject yields the decompressed source of each module of the VBA
// project in storage dir.
func (w *walker) vbaProject(c *cfb, dir string) error {
	e := c.find(dir, "dir")
	if e == nil {
		return nil
	}
	raw, err := readStream(c, e, maxVBASource)
	if err != nil && raw == nil {
		return nil
	}
	d, _ := decompressVBA(raw, maxVBASource)
	for _, m := range parseVBADir(d) {
		me := c.find(dir, m.stream)
		if me == nil {
			continue
		}
		w.info.MemberCount++
		name := joinPath(dir, cleanStreamName(me.name)) + ".vba"
		// ClamAV matches macro source as MSOLE2 content (target 2).
		_, stop := w.emitAs(name, false, memberKind{typ: filetype.MSOLE2}, func() (io.Reader, error) {
			src, err := readStream(c, me, maxVBASource)
			if int64(m.offset) > int64(len(src)) {
				return nil, fmt.Errorf("%w: vba module %q: source offset %d past the stream", ErrCorrupt, m.stream, m.offset)
			}
			text, derr := decompressVBA(src[m.offset:], maxVBASource)
			return bytes.NewReader(text), errors.Join(err, derr)
		})
		if stop != nil {
			return stop
		}
	}
	return nil
}

// readStream reads a whole stream, at most max bytes.
func readStream(c *cfb, e *cfbEntry, max int64) ([]byte, error) {
	rd, err := c.open(e)
	b, rerr := io.ReadAll(io.LimitReader(rd, max))
	return b, errors.Join(err, rerr)
}

func decodeUTF16LE(b []byte) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		u = append(u, binary.LittleEndian.Uint16(b[i:]))
	}
	return string(utf16.Decode(u))
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
