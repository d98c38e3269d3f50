package unpack

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"
)

// An InstallShield setup that installs through Windows Installer keeps
// its files (the .msi, its cabinets, setup.ini) in the PE overlay after
// the string "InstallShield\0": a 32-byte header (u32 file count, then
// zeros), and per file a 312-byte block (its name in a 260-byte field,
// u32 6, u32 0, u64 stored size, nine u32s) and the stored bytes. Those
// are zlib data encrypted byte by byte: the nibbles swapped, then XORed
// with the file's name XORed with EC CA 79 F8 repeated, the key's index
// restarting every 1024 bytes.

var isMSIMagic = []byte("InstallShield\x00")

const (
	isMSIHeader = 0x20
	isMSIBlock  = 0x104 + 4 + 4 + 8 + 9*4
)

var isMSIKey = [4]byte{0xec, 0xca, 0x79, 0xf8}

// findISMSI returns where the header after "InstallShield\0" starts (see
// findMagic): a header whose reserved words are zero, then a first block
// that names a file.
func findISMSI(r io.ReaderAt, size int64) (int64, bool) {
	at, ok := findMagic(r, size, isMSIMagic, func(at int64) bool { return isMSIAt(r, at) })
	return at + int64(len(isMSIMagic)), ok
}

func isMSIAt(r io.ReaderAt, at int64) bool {
	var b [14 + isMSIHeader + isMSIBlock]byte
	if _, err := r.ReadAt(b[:], at); err != nil || !bytes.HasPrefix(b[:], isMSIMagic) {
		return false
	}
	h := b[len(isMSIMagic):]
	if binary.LittleEndian.Uint32(h) == 0 || !allZero(h[8:isMSIHeader]) {
		return false
	}
	name, _, ok := cString(h[isMSIHeader : isMSIHeader+0x104])
	return ok && name != "" && printable(name)
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// ishieldMSI yields the files of an InstallShield MSI setup by name.
func (w *walker) ishieldMSI(src io.ReaderAt, size int64) error {
	off, ok := findISMSI(src, size)
	if !ok {
		return fmt.Errorf("%w: installshield msi: no file table", ErrCorrupt)
	}
	var h [isMSIHeader]byte
	if _, err := src.ReadAt(h[:], off); err != nil {
		return fmt.Errorf("%w: installshield msi: header: %w", ErrCorrupt, err)
	}
	count := binary.LittleEndian.Uint32(h[:])
	off += isMSIHeader
	for i := uint32(0); i < count; i++ {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		var fb [isMSIBlock]byte
		if _, err := src.ReadAt(fb[:], off); err != nil {
			return fmt.Errorf("%w: installshield msi: file %d of %d: block at %d cut", ErrCorrupt, i+1, count, off)
		}
		name, _, ok := cString(fb[:0x104])
		if !ok || name == "" {
			return fmt.Errorf("%w: installshield msi: file %d of %d at %d has no name", ErrCorrupt, i+1, count, off)
		}
		stored := int64(binary.LittleEndian.Uint64(fb[0x10c:]))
		data := off + isMSIBlock
		if stored < 0 {
			return fmt.Errorf("%w: installshield msi: %q claims %d bytes", ErrCorrupt, name, uint64(stored))
		}
		avail := min(stored, size-data)
		w.info.MemberCount++
		if _, stop := w.emit(name, false, func() (io.Reader, error) {
			var rd io.Reader = &isMSIDecrypter{r: io.NewSectionReader(src, data, avail), key: isMSINameKey(name)}
			if avail < stored {
				rd = &errAfter{r: rd, err: fmt.Errorf("%w: installshield msi: %q of %d bytes, the file holds %d", ErrCorrupt, name, stored, avail)}
			}
			return zlib.NewReader(rd)
		}); stop != nil {
			return stop
		}
		if avail < stored {
			return nil // the member carries the error
		}
		off = data + stored
	}
	return nil
}

func isMSINameKey(name string) []byte {
	key := []byte(name)
	for i := range key {
		key[i] ^= isMSIKey[i&3]
	}
	return key
}

// isMSIDecrypter undoes the setup's encryption of a file's bytes.
type isMSIDecrypter struct {
	r   io.Reader
	key []byte
	i   int
}

func (d *isMSIDecrypter) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	for j := range p[:n] {
		c := p[j]>>4 | p[j]<<4
		p[j] = c ^ d.key[(d.i&0x3ff)%len(d.key)]
		d.i++
	}
	return n, err
}
