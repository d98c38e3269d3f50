package scan

import (
	"fmt"
	"io"
	"sync"
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

// normOut is what byte c becomes (lowered; white space is ' '), and
// normBits says how: normWrite (it is written unless it continues a run
// of white space), normIsSpace, normIsDrop. Tables, not a switch: on
// binary data the switch's branches were unpredictable and the loop ran
// at about 110 MB/s.
var normOut, normBits = func() (out, bits [256]byte) {
	for c := range out {
		out[c] = byte(c)
		switch normAction[c] {
		case normDrop:
			bits[c] = normIsDrop
		case normSpace:
			out[c], bits[c] = ' ', normWrite|normIsSpace
		case normLower:
			out[c], bits[c] = byte(c)+'a'-'A', normWrite
		default:
			bits[c] = normWrite
		}
	}
	return out, bits
}()

const (
	normWrite   = 1
	normIsSpace = 2
	normIsDrop  = 4
)

// normBufs holds the buffers text is normalised into: a document's
// members are mostly text, each normalised once and matched, and a fresh
// buffer per member cost its allocation and clearing.
var normBufs = sync.Pool{New: func() any { return new([]byte) }}

// normChunk is how much of the text normalizeText reads at a time.
const normChunk = 64 << 10

// normalizeText returns the normalised form of the size bytes of r,
// written into out (grown when it is too small). A dropped byte does not
// end a run of white space ("a \x01 b" is "a b").
//
// ClamAV normalises into a buffer of its scan size plus the longest
// pattern and restarts the white-space run at each refill, so a run that
// straddles one of its refills (every ~128 KiB of output) can come out as
// two spaces there; we fold it, as the format intends.
func normalizeText(r io.ReaderAt, size int64, out []byte) ([]byte, error) {
	if int64(cap(out)) < size {
		out = make([]byte, size)
	}
	out = out[:size]
	j := 0
	// space is normIsSpace while in a run of white space, else 0.
	space := byte(0)
	norm := func(in []byte) {
		for _, c := range in {
			// j <= what was read: what is written never passes it.
			bits := normBits[c]
			out[j] = normOut[c]
			j += int(bits & normWrite &^ (bits & space >> 1))
			space = bits&normIsSpace | (bits>>1)&space
		}
	}
	if b, ok := r.(interface{ Bytes() []byte }); ok && int64(len(b.Bytes())) >= size {
		norm(b.Bytes()[:size]) // in place, not copied out first
		return out[:j], nil
	}
	buf := make([]byte, min(size, normChunk))
	for off := int64(0); off < size; {
		n, err := r.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
		norm(buf[:n])
		off += int64(n)
		if n == 0 || (err != nil && err != io.EOF) {
			if off < size {
				return out[:j], fmt.Errorf("read at %d: %w", off, errOr(err, io.ErrUnexpectedEOF))
			}
		}
	}
	return out[:j], nil
}

func errOr(err, def error) error {
	if err == nil || err == io.EOF {
		return def
	}
	return err
}
