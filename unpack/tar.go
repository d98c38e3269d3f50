package unpack

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
)

func (w *walker) tar(src io.ReaderAt, size int64) error {
	w.info.MemberCount = countTar(w.meter.src.r, size) // uncounted: not part of the ratio
	tr := tar.NewReader(io.NewSectionReader(src, 0, size))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: tar header after %d members: %w", ErrCorrupt, w.count, err)
		}
		if h.Typeflag != tar.TypeReg && h.Typeflag != tar.TypeGNUSparse {
			// Links, directories and devices carry no data to scan.
			continue
		}
		dataErr, stop := w.emit(h.Name, false, func() (io.Reader, error) { return tr, nil })
		if stop != nil {
			return stop
		}
		if dataErr != nil && !errors.Is(dataErr, ErrLimit) {
			// A tar stream cannot be resynchronised after bad data.
			return dataErr
		}
	}
}

// countTar counts the headers of a tar archive in a first pass. Data is
// skipped by seeking, so this costs one header read per entry; a damaged
// archive is counted up to the damage and the real pass reports it.
func countTar(src io.ReaderAt, size int64) int {
	tr := tar.NewReader(io.NewSectionReader(src, 0, size))
	n := 0
	for {
		if _, err := tr.Next(); err != nil {
			return n
		}
		n++
	}
}
