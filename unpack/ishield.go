package unpack

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/sigtool/sigtool/filetype"
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

// isListed is an entry of the list and where its bytes are.
type isListed struct {
	isEntry
	start, avail int64
}

// ishield yields the listed files, then the files of the InstallShield
// cabinet set (data1.hdr with its dataN.cab volumes) the list holds,
// named after the volume (Disk1\data1.cab/dir\file). The volumes of a
// set that was read are yielded as plain data, not to be opened again.
func (w *walker) ishield(src io.ReaderAt, size int64) error {
	list, err := readISList(w, src, size)
	if err != nil {
		return err
	}
	files, set, cabErr := w.isCabSet(src, list)
	for _, e := range list {
		w.info.MemberCount++
		kind := memberKind{}
		if _, ok := set[e.path]; ok && cabErr == nil {
			kind.typ = filetype.BinaryData
		}
		if _, stop := w.emitAs(e.path, false, kind, func() (io.Reader, error) {
			rd := io.NewSectionReader(src, e.start, e.avail)
			if e.avail < e.size {
				return &errAfter{r: rd, err: fmt.Errorf("%w: installshield: %q of %d bytes, the file holds %d", ErrCorrupt, e.path, e.size, e.avail)}, nil
			}
			return rd, nil
		}); stop != nil {
			return stop
		}
	}
	if cabErr != nil {
		// The volumes were yielded whole, to be opened (and fail) on
		// their own; the header's fault is said here too.
		return cabErr
	}
	for _, f := range files {
		if f.flags&isFileInvalid != 0 || f.sharesPrevious || f.size == 0 || f.external() {
			continue
		}
		w.info.MemberCount++
		vol, ok := isVolumeOf(set, f.volume)
		name := vol.path + "/" + f.name
		if !ok {
			name = fmt.Sprintf("data%d.cab/%s", f.volume, f.name)
		}
		if _, stop := w.emit(name, false, func() (io.Reader, error) {
			if !ok {
				return nil, fmt.Errorf("%w: installshield cabinet: %q is in data%d.cab, which the setup does not hold", ErrUnsupported, f.name, f.volume)
			}
			return isCabReader(src, vol.start, vol.avail, f), nil
		}); stop != nil {
			return stop
		}
	}
	return nil
}

// readISList reads the file list in the overlay.
func readISList(w *walker, src io.ReaderAt, size int64) ([]isListed, error) {
	off, ok := peOverlay(src, size)
	if !ok {
		return nil, fmt.Errorf("%w: installshield: no overlay", ErrCorrupt)
	}
	var list []isListed
	buf := make([]byte, 4*(isListMaxField+1))
	for off < size {
		if err := w.ctx.Err(); err != nil {
			return nil, err
		}
		n, _ := src.ReadAt(buf, off)
		e, hdr, ok := parseISEntry(buf[:n], size-off)
		if !ok {
			break // the list ends; what follows is not ours to read
		}
		if w.lim.MaxFiles > 0 && len(list) > w.lim.MaxFiles {
			break // emit stops the walk at the limit
		}
		start := off + int64(hdr)
		list = append(list, isListed{isEntry: e, start: start, avail: min(e.size, size-start)})
		off = start + e.size
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("%w: installshield: no file list", ErrCorrupt)
	}
	return list, nil
}

// isCabSet finds the cabinet set the list holds and reads its header's
// file table. set maps the paths of the header and each volume to their
// entries; err is set when the list holds volumes whose header cannot be
// read.
func (w *walker) isCabSet(src io.ReaderAt, list []isListed) (files []isCabFile, set map[string]isListed, err error) {
	var hdr *isListed
	set = map[string]isListed{}
	for i, e := range list {
		if _, ok := isCabVolume(e.name); ok {
			set[e.path] = e
		} else if strings.EqualFold(e.name, "data1.hdr") && hdr == nil {
			hdr = &list[i]
		}
	}
	if len(set) == 0 {
		return nil, nil, nil
	}
	if hdr == nil {
		return nil, set, fmt.Errorf("%w: installshield: cabinets without their data1.hdr", ErrUnsupported)
	}
	set[hdr.path] = *hdr
	if hdr.avail != hdr.size || hdr.size > isCabMaxHeader {
		return nil, set, fmt.Errorf("%w: installshield: data1.hdr of %d bytes", ErrCorrupt, hdr.size)
	}
	b := make([]byte, hdr.size)
	if _, err := src.ReadAt(b, hdr.start); err != nil {
		return nil, set, fmt.Errorf("%w: installshield: reading data1.hdr: %w", ErrCorrupt, err)
	}
	files, err = parseISCabHeader(b)
	return files, set, err
}

// isVolumeOf finds volume n of the set.
func isVolumeOf(set map[string]isListed, n int) (isListed, bool) {
	for _, v := range set {
		if k, _ := isCabVolume(v.name); k == n {
			return v, true
		}
	}
	return isListed{}, false
}
