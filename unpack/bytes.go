package unpack

import (
	"errors"
	"io"
)

// Bytes is content held in memory, as an io.ReaderAt. Its Bytes method
// hands over the slice itself, so that a reader able to work in place (the
// matcher scans such content without copying it) need not copy it.
type Bytes []byte

// ReadAt copies len(p) bytes at off, like bytes.Reader.
func (b Bytes) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("unpack: negative offset")
	}
	if off >= int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Bytes returns the content. It must not be modified.
func (b Bytes) Bytes() []byte { return b }
