package unpack

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
)

// Zip entries embedded in other content. ClamAV's raw scan of a layer
// finds zip local file headers anywhere past its first byte (the ZIP-SFX
// type signature), checks each one and extracts that one entry
// (libclamav/scanners.c scanraw, unzip.c cli_unzip_single): a Word
// document's table stream carries its theme as such a zip, a
// self-extractor its archive. There is no central directory to trust, so
// an entry is taken only when its local header gives both sizes (no data
// descriptor), its name, extra field and data fit in the content, and it
// is neither encrypted nor masked; the search resumes after its data.

const (
	zipLocalHeader = 30
	zipFlagDesc    = 1 << 3  // sizes in a data descriptor after the data
	zipFlagMasked  = 1 << 13 // local header values masked (central directory encryption)
)

// embeddedWindow is how much of content not in memory is searched at a
// time.
const embeddedWindow = 1 << 20

// WalkEmbeddedZip calls fn for each zip entry embedded in the size bytes
// of r at an offset past 0, in the order they start, as ClamAV extracts
// them from content that is not a zip itself. Entries whose header fails
// ClamAV's check, encrypted ones and those of a method this package does
// not decode are passed over silently, as ClamAV passes them over; an
// entry whose data is corrupt is yielded with what could be read and Err
// set. The caller decides which content to search (ClamAV: not zips, Office
// Open XML, gzip, tar, old cpio or TNEF).
func WalkEmbeddedZip(ctx context.Context, r io.ReaderAt, size int64, lim Limits, fn WalkFunc) (info Info, err error) {
	w := &walker{ctx: ctx, format: Zip, lim: lim, fn: fn, meter: &meter{lim: lim, src: &countingReaderAt{r: r}}}
	w.info.Format = Zip
	defer func() {
		if p := recover(); p != nil {
			if cp, ok := p.(callbackPanic); ok {
				panic(cp.v)
			}
			err = fmt.Errorf("%w: embedded zip entry: decoder failed: %v", ErrCorrupt, p)
		}
		w.info.Expanded = w.meter.expanded
		info = w.info
	}()
	// Entries are read through the meter, for the compression ratio limit;
	// the search reads r, which may hold the content in memory.
	src := w.meter.src
	next := int64(1)
	err = searchMagic(r, size, magicZip, func(off int64) (bool, error) {
		if off < next {
			return true, nil
		}
		e, ok := embeddedEntry(src, size, off)
		if !ok {
			return true, nil
		}
		next = e.end
		if e.encrypted {
			return true, nil
		}
		open, ok := e.opener(src)
		if !ok {
			return true, nil
		}
		w.info.MemberCount++
		_, stop := w.emit(e.name, false, open)
		return stop == nil, stop
	})
	return w.info, err
}

// zipEntry is one checked local header: where its data is and how it is
// stored.
type zipEntry struct {
	name         string
	data, end    int64 // data offset; end of the data
	csize, usize int64
	method       uint16
	crc          uint32
	encrypted    bool
}

// embeddedEntry reads and checks the local header at off as ClamAV's
// cli_unzip_single_header_check does.
func embeddedEntry(r io.ReaderAt, size, off int64) (zipEntry, bool) {
	var h [zipLocalHeader]byte
	if n, _ := r.ReadAt(h[:], off); n < len(h) {
		return zipEntry{}, false
	}
	le := binary.LittleEndian
	flags := le.Uint16(h[6:])
	e := zipEntry{
		method:    le.Uint16(h[8:]),
		crc:       le.Uint32(h[14:]),
		csize:     int64(le.Uint32(h[18:])),
		usize:     int64(le.Uint32(h[22:])),
		encrypted: flags&zipFlagCrypt != 0,
	}
	nameLen, extraLen := int64(le.Uint16(h[26:])), int64(le.Uint16(h[28:]))
	left := size - off - zipLocalHeader
	if flags&(zipFlagDesc|zipFlagMasked) != 0 || left <= nameLen || left-nameLen <= extraLen ||
		left-nameLen-extraLen < e.csize || e.csize == 0 || e.usize == 0 {
		return zipEntry{}, false
	}
	name := make([]byte, nameLen)
	if n, _ := r.ReadAt(name, off+zipLocalHeader); int64(n) < nameLen {
		return zipEntry{}, false
	}
	e.name = string(name)
	e.data = off + zipLocalHeader + nameLen + extraLen
	e.end = e.data + e.csize
	return e, true
}

// opener returns how to read the entry's content, false for a method not
// decoded here.
func (e zipEntry) opener(r io.ReaderAt) (func() (io.Reader, error), bool) {
	raw := func() io.Reader { return io.NewSectionReader(r, e.data, e.csize) }
	var dec func() io.Reader
	switch e.method {
	case 0:
		dec = raw
	case 8:
		dec = func() io.Reader { return flate.NewReader(raw()) }
	case zipMethodD64:
		dec = func() io.Reader { return newDeflate64Reader(raw()) }
	default:
		return nil, false
	}
	return func() (io.Reader, error) {
		return &crcCheck{r: io.LimitReader(dec(), e.usize), h: crc32.NewIEEE(), want: e.crc}, nil
	}, true
}

// searchMagic calls found with the offset of each occurrence of magic in
// the size bytes of r, in order, until it returns false or an error.
func searchMagic(r io.ReaderAt, size int64, magic []byte, found func(int64) (bool, error)) error {
	if b, ok := r.(interface{ Bytes() []byte }); ok && int64(len(b.Bytes())) >= size {
		_, err := searchIn(b.Bytes()[:size], 0, size, magic, found)
		return err
	}
	buf := make([]byte, min(size, embeddedWindow+int64(len(magic))-1))
	for off := int64(0); off < size; off += embeddedWindow {
		n := min(size-off, int64(len(buf)))
		if got, err := r.ReadAt(buf[:n], off); int64(got) < n {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return fmt.Errorf("unpack: searching for embedded zip entries: read at %d: %w", off, err)
		}
		// A window overlaps the next by the magic's length less one;
		// what starts in the overlap is the next window's.
		if more, err := searchIn(buf[:n], off, off+embeddedWindow, magic, found); err != nil || !more {
			return err
		}
	}
	return nil
}

// searchIn is searchMagic over data, which starts at offset base, for
// occurrences that start before limit.
func searchIn(data []byte, base, limit int64, magic []byte, found func(int64) (bool, error)) (bool, error) {
	for i := 0; ; {
		j := bytes.Index(data[i:], magic)
		if j < 0 || base+int64(i+j) >= limit {
			return true, nil
		}
		if more, err := found(base + int64(i+j)); err != nil || !more {
			return more, err
		}
		i += j + 1
	}
}
