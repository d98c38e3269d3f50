package unpack

import (
	"errors"
	"fmt"
	"io"

	"github.com/nwaples/rardecode/v2"
)

// maxRarDict bounds the dictionary a rar header may make the decoder
// allocate; RAR 5 archives from WinRAR default to 32 MiB.
const maxRarDict = 256 * mib

func (w *walker) rar(src io.ReaderAt, size int64) error {
	rr, err := rardecode.NewReader(io.NewSectionReader(src, 0, size),
		rardecode.MaxDictionarySize(maxRarDict))
	if err != nil {
		return w.rarErr(err)
	}
	for {
		h, err := rr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return w.rarErr(err)
		}
		w.info.MemberCount++
		if h.IsDir {
			continue
		}
		dataErr, stop := w.emit(h.Name, h.Encrypted, func() (io.Reader, error) { return rr, nil })
		if stop != nil {
			return stop
		}
		if dataErr != nil && !isLimit(dataErr) {
			// Solid archives carry state from member to member, and a
			// damaged stream cannot be resynchronised.
			return dataErr
		}
	}
}

func (w *walker) rarErr(err error) error {
	if errors.Is(err, rardecode.ErrArchiveEncrypted) {
		w.info.Encrypted = true
		return fmt.Errorf("%w: rar headers", ErrEncrypted)
	}
	return fmt.Errorf("%w: rar: %w", ErrCorrupt, err)
}
