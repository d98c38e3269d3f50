package unpack

import (
	"errors"
	"fmt"
	"io"

	"github.com/bodgit/sevenzip"
)

func (w *walker) sevenZip(src io.ReaderAt, size int64) error {
	zr, err := sevenzip.NewReader(src, size)
	if err != nil {
		var re *sevenzip.ReadError
		if errors.As(err, &re) && re.Encrypted {
			// Encrypted headers hide even the member list.
			w.info.Encrypted = true
			return fmt.Errorf("%w: 7z headers", ErrEncrypted)
		}
		return fmt.Errorf("%w: 7z: %w", ErrCorrupt, err)
	}
	w.info.MemberCount = len(zr.File)
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		f := f
		var rc io.ReadCloser
		_, stop := w.emit(f.Name, false, func() (io.Reader, error) {
			var err error
			rc, err = f.Open()
			if err != nil {
				return nil, sevenZipErr(err)
			}
			return sevenZipReader{rc}, nil
		})
		if rc != nil {
			rc.Close()
		}
		if stop != nil {
			return stop
		}
	}
	return nil
}

// sevenZipReader turns the decoder's "encryption involved" hint into
// ErrEncrypted: without a password the AES coder fails on first read, which
// is the only way the library lets us see that a folder is encrypted.
type sevenZipReader struct{ r io.Reader }

func (s sevenZipReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	return n, sevenZipErr(err)
}

func sevenZipErr(err error) error {
	var re *sevenzip.ReadError
	if errors.As(err, &re) && re.Encrypted {
		return fmt.Errorf("%w: %w", ErrEncrypted, err)
	}
	return err
}
