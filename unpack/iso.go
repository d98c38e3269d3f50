package unpack

import (
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
)

// ISO 9660 CD images (ECMA-119), with Joliet names (a supplementary
// volume descriptor whose escape sequence names UCS-2) when the image has
// them. Files are named by their directory path. Directories that loop
// back, extents past the end of the image and sizes the image cannot hold
// are damage, reported on the member: the image is never trusted to say
// how much to read.

const (
	isoSector      = 2048
	isoDescStart   = 16 * isoSector
	isoMaxDirDepth = 64
)

var magicISO = []byte("CD001")

// isISO checks the first volume descriptor, which sits 32 KiB in.
func isISO(r io.ReaderAt, size int64) bool {
	if size < isoDescStart+isoSector {
		return false
	}
	var b [6]byte
	if _, err := r.ReadAt(b[:], isoDescStart); err != nil {
		return false
	}
	return string(b[1:6]) == string(magicISO)
}

type isoImage struct {
	r     io.ReaderAt
	size  int64
	block int64
}

type isoRecord struct {
	extent int64
	length int64
	dir    bool
	name   string
}

func (w *walker) iso(src io.ReaderAt, size int64) error {
	img := &isoImage{r: src, size: size}
	var primary, joliet []byte
	for off := int64(isoDescStart); off+isoSector <= size && off < isoDescStart+64*isoSector; off += isoSector {
		d := make([]byte, isoSector)
		if _, err := src.ReadAt(d, off); err != nil {
			return fmt.Errorf("%w: iso volume descriptor: %v", ErrCorrupt, err)
		}
		if string(d[1:6]) != string(magicISO) {
			break
		}
		switch d[0] {
		case 1:
			if primary == nil {
				primary = d
			}
		case 2:
			if esc := string(d[88:91]); joliet == nil && (esc == "%/@" || esc == "%/C" || esc == "%/E") {
				joliet = d
			}
		}
		if d[0] == 255 {
			break
		}
	}
	if primary == nil && joliet == nil {
		return fmt.Errorf("%w: iso: no primary volume descriptor", ErrCorrupt)
	}
	// Both trees are read, the Joliet one first for its long names: a file
	// can be listed in one tree only (an image whose Joliet tree is empty
	// hides its files from readers that take the Joliet tree alone). A
	// file is yielded once, under the first name it is met by.
	type tree struct {
		vd     []byte
		joliet bool
	}
	var trees []tree
	if joliet != nil {
		trees = append(trees, tree{joliet, true})
	}
	if primary != nil {
		trees = append(trees, tree{primary, false})
	}
	type extentKey struct{ extent, length int64 }
	files := map[extentKey]bool{}
	var damage error
	for _, tr := range trees {
		img.block = int64(binary.LittleEndian.Uint16(tr.vd[128:]))
		if img.block != 512 && img.block != 1024 && img.block != 2048 {
			img.block = isoSector
		}
		root, ok := parseISORecord(tr.vd[156:190], tr.joliet)
		if !ok || !root.dir {
			damage = fmt.Errorf("%w: iso: bad root directory record", ErrCorrupt)
			continue
		}
		seen := map[int64]bool{}
		var walkDir func(rec isoRecord, path string, depth int) error
		walkDir = func(rec isoRecord, path string, depth int) error {
			if seen[rec.extent] || depth > isoMaxDirDepth {
				damage = fmt.Errorf("%w: iso: directory %q loops or nests too deep", ErrCorrupt, path)
				return nil
			}
			seen[rec.extent] = true
			entries, err := img.readDir(rec, tr.joliet)
			if err != nil {
				damage = fmt.Errorf("%w: iso: directory %q: %v", ErrCorrupt, path, err)
			}
			for _, e := range entries {
				name := strings.TrimPrefix(path+"/"+e.name, "/")
				if e.dir {
					if err := walkDir(e, name, depth+1); err != nil {
						return err
					}
					continue
				}
				k := extentKey{e.extent, e.length}
				if files[k] {
					continue
				}
				files[k] = true
				w.info.MemberCount++
				e := e
				if _, stop := w.emit(name, false, func() (io.Reader, error) { return img.open(e) }); stop != nil {
					return stop
				}
			}
			return nil
		}
		if err := walkDir(root, "", 0); err != nil {
			return err
		}
	}
	return damage
}

// open reads a file's extent, reporting an extent the image does not hold.
func (img *isoImage) open(e isoRecord) (io.Reader, error) {
	start := e.extent * img.block
	if start >= img.size {
		return nil, fmt.Errorf("%w: iso: extent at %d past the end of the image", ErrCorrupt, start)
	}
	n := min(e.length, img.size-start)
	rd := io.NewSectionReader(img.r, start, n)
	if n < e.length {
		return &errAfter{r: rd, err: fmt.Errorf("%w: iso: file of %d bytes, the image holds %d", ErrCorrupt, e.length, n)}, nil
	}
	return rd, nil
}

// readDir reads a directory's records, skipping "." and "..". Records do
// not cross sector boundaries; a zero length byte means the rest of the
// sector is padding.
func (img *isoImage) readDir(dir isoRecord, joliet bool) ([]isoRecord, error) {
	start := dir.extent * img.block
	if start >= img.size || dir.length <= 0 {
		return nil, fmt.Errorf("extent past the end of the image")
	}
	length := min(dir.length, img.size-start, 64<<20)
	buf := make([]byte, length)
	if _, err := img.r.ReadAt(buf, start); err != nil && err != io.EOF {
		return nil, err
	}
	var out []isoRecord
	for p := 0; p < len(buf); {
		l := int(buf[p])
		if l == 0 {
			p = (p/isoSector + 1) * isoSector
			continue
		}
		if p+l > len(buf) || l < 34 {
			return out, fmt.Errorf("bad record at %d", p)
		}
		rec, ok := parseISORecord(buf[p:p+l], joliet)
		p += l
		if !ok || rec.name == "" {
			continue // "." and ".."
		}
		out = append(out, rec)
	}
	return out, nil
}

func parseISORecord(b []byte, joliet bool) (isoRecord, bool) {
	if len(b) < 34 {
		return isoRecord{}, false
	}
	nl := int(b[32])
	if 33+nl > len(b) {
		return isoRecord{}, false
	}
	raw := b[33 : 33+nl]
	r := isoRecord{
		extent: int64(binary.LittleEndian.Uint32(b[2:])),
		length: int64(binary.LittleEndian.Uint32(b[10:])),
		dir:    b[25]&0x02 != 0,
	}
	switch {
	case nl == 1 && (raw[0] == 0 || raw[0] == 1):
		r.name = "" // "." or ".."
	case joliet:
		u := make([]uint16, nl/2)
		for i := range u {
			u[i] = binary.BigEndian.Uint16(raw[2*i:])
		}
		r.name = string(utf16.Decode(u))
	default:
		r.name = string(raw)
	}
	if i := strings.LastIndexByte(r.name, ';'); i > 0 { // the version
		r.name = r.name[:i]
	}
	if !r.dir {
		r.name = strings.TrimSuffix(r.name, ".")
	}
	return r, true
}
