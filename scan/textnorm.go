package scan

import (
	"fmt"
	"io"
)

// What ClamAV's text normalisation (libclamav/textnorm.c) does with each
// byte before target-7 signatures are matched: letters are lower-cased, a
// run of white space (HT, LF, VT, FF, CR, space) becomes one space, other
// control bytes and every byte above 0x7f are dropped (so UTF-16 text of
// ASCII characters comes out as that text), the rest is kept.
const (
	normKeep byte = iota
	normDrop
	normSpace
	normLower
)

var normAction = func() (a [256]byte) {
	for c := range a {
		switch {
		case c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' || c == ' ':
			a[c] = normSpace
		case c < 0x20 || c >= 0x80:
			a[c] = normDrop
		case 'A' <= c && c <= 'Z':
			a[c] = normLower
		}
	}
	return a
}()

// normChunk is how much of the text normalizeText reads at a time.
const normChunk = 64 << 10

// normalizeText returns the normalised form of the size bytes of r. A
// dropped byte does not end a run of white space ("a \x01 b" is "a b").
//
// ClamAV normalises into a buffer of its scan size plus the longest
// pattern and restarts the white-space run at each refill, so a run that
// straddles one of its refills (every ~128 KiB of output) can come out as
// two spaces there; we fold it, as the format intends.
func normalizeText(r io.ReaderAt, size int64) ([]byte, error) {
	out := make([]byte, 0, size)
	buf := make([]byte, min(size, normChunk))
	space := false
	for off := int64(0); off < size; {
		n, err := r.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
		for _, c := range buf[:n] {
			switch normAction[c] {
			case normDrop:
			case normSpace:
				if !space {
					out = append(out, ' ')
				}
				space = true
			case normLower:
				out = append(out, c+'a'-'A')
				space = false
			default:
				out = append(out, c)
				space = false
			}
		}
		off += int64(n)
		if n == 0 || (err != nil && err != io.EOF) {
			if off < size {
				return out, fmt.Errorf("read at %d: %w", off, errOr(err, io.ErrUnexpectedEOF))
			}
		}
	}
	return out, nil
}

func errOr(err, def error) error {
	if err == nil || err == io.EOF {
		return def
	}
	return err
}
