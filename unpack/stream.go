package unpack

import (
	"bufio"
	"compress/bzip2"
	"compress/gzip"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/ulikunitz/xz"
)

// stream walks the single-member containers gzip, bzip2 and xz. The member
// is named from the gzip header when it has one, else "" (the caller knows
// the outer name; see [StreamName]).
func (w *walker) stream(src io.ReaderAt, size int64) error {
	w.info.MemberCount = 1
	if w.format == Xz && !xzHasFooter(src, size) {
		// The decoder takes a stream cut after its header for an empty one.
		return fmt.Errorf("%w: xz: no stream footer (truncated)", ErrCorrupt)
	}
	in := bufio.NewReaderSize(io.NewSectionReader(src, 0, size), 32<<10)
	var (
		rd   io.Reader
		name string
		err  error
	)
	switch w.format {
	case Gzip:
		var zr *gzip.Reader
		if zr, err = gzip.NewReader(in); err == nil {
			name, rd = zr.Name, zr
		}
	case Bzip2:
		rd = bzip2.NewReader(in)
	case Xz:
		rd, err = newXzReader(in)
	}
	if err != nil {
		return fmt.Errorf("%w: %s header: %w", ErrCorrupt, w.format, err)
	}
	dataErr, stop := w.emit(name, false, func() (io.Reader, error) { return rd, nil })
	if stop != nil {
		return stop
	}
	if dataErr != nil && !isLimit(dataErr) {
		return dataErr
	}
	return nil
}

// xzHasFooter checks that the input ends in a stream footer ("YZ"),
// allowing the zero padding in 4-byte units that may follow it.
func xzHasFooter(r io.ReaderAt, size int64) bool {
	var b [4]byte
	for end := size; end >= 12+12; end -= 4 {
		if _, err := r.ReadAt(b[:], end-4); err != nil {
			return false
		}
		if b != [4]byte{} {
			return b[2] == 'Y' && b[3] == 'Z'
		}
	}
	return false
}

// maxXzDict bounds the LZMA2 dictionary an xz header may ask for: the
// decoder allocates it up front, and xz -9 uses 64 MiB.
const maxXzDict = 64 * mib

func newXzReader(r io.Reader) (io.Reader, error) {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReader(r)
	}
	if d, ok := xzFirstDict(br); ok && d > maxXzDict {
		return nil, fmt.Errorf("%w: xz dictionary of %d bytes", ErrUnsupported, d)
	}
	return xz.ReaderConfig{DictCap: 1 * mib}.NewReader(br)
}

// xzFirstDict peeks at the first block header's LZMA2 filter to learn its
// dictionary size (xz file format 1.0.4, sections 2.1, 3.1, 5.3.1).
func xzFirstDict(br *bufio.Reader) (int64, bool) {
	b, _ := br.Peek(12 + 1024)
	if len(b) < 13 {
		return 0, false
	}
	hdr := b[12:]
	hsize := (int(hdr[0]) + 1) * 4
	if hdr[0] == 0 || hsize > len(hdr) {
		return 0, false
	}
	hdr = hdr[:hsize]
	flags := hdr[1]
	p := 2
	skipVLI := func() bool {
		for i := 0; i < 9 && p < len(hdr); i++ {
			c := hdr[p]
			p++
			if c&0x80 == 0 {
				return true
			}
		}
		return false
	}
	if flags&0x40 != 0 && !skipVLI() {
		return 0, false
	}
	if flags&0x80 != 0 && !skipVLI() {
		return 0, false
	}
	nfilters := int(flags&0x03) + 1
	for i := 0; i < nfilters; i++ {
		if p >= len(hdr) {
			return 0, false
		}
		id := hdr[p]
		p++
		if p+1 >= len(hdr) {
			return 0, false
		}
		psize := int(hdr[p])
		p++
		if id == 0x21 && psize == 1 && p < len(hdr) {
			bits := hdr[p] & 0x3f
			if bits > 40 {
				return 0, false
			}
			if bits == 40 {
				return 1<<32 - 1, true
			}
			return int64(2|int64(bits&1)) << (bits/2 + 11), true
		}
		p += psize
	}
	return 0, false
}

// StreamName names the single member of a gzip, bzip2 or xz file called
// outer when the container does not name it: the outer base name minus its
// compression extension, with .tgz/.tbz2/.txz becoming .tar.
func StreamName(outer string) string {
	base := path.Base(strings.ReplaceAll(outer, "\\", "/"))
	lower := strings.ToLower(base)
	for _, ext := range []string{".tgz", ".tbz2", ".tbz", ".txz"} {
		if strings.HasSuffix(lower, ext) {
			return base[:len(base)-len(ext)] + ".tar"
		}
	}
	for _, ext := range []string{".gz", ".gzip", ".bz2", ".bzip2", ".xz", ".z", ".szdd"} {
		if strings.HasSuffix(lower, ext) && len(base) > len(ext) {
			return base[:len(base)-len(ext)]
		}
	}
	return base
}
