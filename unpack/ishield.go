package unpack

import (
	"fmt"
	"io"
	"strconv"
)

// InstallShield setups keep their files in the PE overlay as a list, one
// entry after another: the file's name, its path, a version and its size
// in decimal, each a C string, then the file's bytes as they are (the
// setup's own data1.cab, data1.hdr, setup.inx... or the product's files).
// A list that stops parsing ends the walk; an entry claiming more bytes
// than the file holds is a corrupt member with what there is.

const isListMaxField = 1024

type isEntry struct {
	name, path string
	size       int64
}

// parseISEntry reads an entry's header from b; left is how many bytes the
// overlay holds from the entry on.
func parseISEntry(b []byte, left int64) (isEntry, int, bool) {
	var e isEntry
	var fields [4]string
	rest := b
	for i := range fields {
		s, r, ok := cString(rest)
		if !ok || len(s) > isListMaxField || (i < 3 && s == "") || !printable(s) {
			return e, 0, false
		}
		fields[i], rest = s, r
	}
	size, err := strconv.ParseInt(fields[3], 10, 64)
	if err != nil || size < 0 {
		return e, 0, false
	}
	hdr := len(b) - len(rest)
	if int64(hdr) > left {
		return e, 0, false
	}
	e.name, e.path, e.size = fields[0], fields[1], size
	return e, hdr, true
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return false
		}
	}
	return true
}

func (w *walker) ishield(src io.ReaderAt, size int64) error {
	off, ok := peOverlay(src, size)
	if !ok {
		return fmt.Errorf("%w: installshield: no overlay", ErrCorrupt)
	}
	buf := make([]byte, 4*(isListMaxField+1))
	for first := true; off < size; first = false {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		n, _ := src.ReadAt(buf, off)
		e, hdr, ok := parseISEntry(buf[:n], size-off)
		if !ok {
			if first {
				return fmt.Errorf("%w: installshield: no file list", ErrCorrupt)
			}
			return nil // the list ends; what follows is not ours to read
		}
		w.info.MemberCount++
		start := off + int64(hdr)
		avail := min(e.size, size-start)
		if _, stop := w.emit(e.path, false, func() (io.Reader, error) {
			rd := io.NewSectionReader(src, start, avail)
			if avail < e.size {
				return &errAfter{r: rd, err: fmt.Errorf("%w: installshield: %q of %d bytes, the file holds %d", ErrCorrupt, e.path, e.size, avail)}, nil
			}
			return rd, nil
		}); stop != nil {
			return stop
		}
		off = start + e.size
	}
	return nil
}
