package matcher

import (
	"errors"
	"fmt"
	"io"
)

// viewWindow is how much a read outside the current chunk fetches: enough
// that a verification walking a gap does not read byte by byte.
const viewWindow = 64 << 10

// view gives random access to the scanned data: the current chunk when the
// bytes are in it, otherwise a cached window read through the ReaderAt. This
// is what lets a pattern straddle chunk borders, or span a "*" gap of any
// length, while Detect itself reads the file once, in order.
type view struct {
	r    io.ReaderAt
	size int64
	buf  []byte // file bytes [off, off+len(buf))
	off  int64
	win  []byte // file bytes [woff, woff+len(win))
	woff int64
	err  error
}

// slice returns the n bytes at p, or nil when they are not all inside the
// file or cannot be read (v.err then says why).
func (v *view) slice(p int64, n int) []byte {
	if p < 0 || n < 0 || p+int64(n) > v.size {
		return nil
	}
	if i := p - v.off; i >= 0 && i+int64(n) <= int64(len(v.buf)) {
		return v.buf[i : i+int64(n)]
	}
	if i := p - v.woff; i >= 0 && i+int64(n) <= int64(len(v.win)) {
		return v.win[i : i+int64(n)]
	}
	if v.err != nil {
		return nil
	}
	start := p &^ 4095
	if len(v.win) > 0 && p < v.woff && p+int64(n) > v.woff-viewWindow {
		// Walking backwards (the left side of a pattern, over a gap):
		// the window ends where the last one began.
		start = max(0, (p+int64(n)+4095)&^4095-viewWindow)
	}
	end := min(max(start+viewWindow, p+int64(n)), v.size)
	if cap(v.win) < int(end-start) {
		v.win = make([]byte, end-start)
	}
	v.win = v.win[:end-start]
	got, err := v.r.ReadAt(v.win, start)
	if got < len(v.win) {
		if err == nil || errors.Is(err, io.EOF) {
			err = ErrShortRead
		}
		v.err = fmt.Errorf("matcher: read %d bytes at offset %d: %w", len(v.win), start, err)
		v.win = v.win[:0]
		return nil
	}
	v.woff = start
	return v.win[p-start : p-start+int64(n)]
}

// at returns the byte at p and whether it exists.
func (v *view) at(p int64) (byte, bool) {
	if i := p - v.off; i >= 0 && i < int64(len(v.buf)) {
		return v.buf[i], true
	}
	s := v.slice(p, 1)
	if s == nil {
		return 0, false
	}
	return s[0], true
}

// from returns up to n bytes from p: as many as the current chunk or
// window holds, or a window read for them (at least min(n, viewWindow)
// bytes unless the file ends first); nil at the end of the file or on a
// read error.
func (v *view) from(p int64, n int64) []byte {
	n = min(n, v.size-p)
	if p < 0 || n <= 0 {
		return nil
	}
	if i := p - v.off; i >= 0 && i < int64(len(v.buf)) && (i+n <= int64(len(v.buf)) || int64(len(v.buf))-i >= viewWindow) {
		return v.buf[i:min(i+n, int64(len(v.buf)))]
	}
	if i := p - v.woff; i >= 0 && i+min(n, viewWindow) <= int64(len(v.win)) {
		return v.win[i:min(i+n, int64(len(v.win)))]
	}
	return v.slice(p, int(min(n, viewWindow)))
}
