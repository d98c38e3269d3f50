package unpack

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Most PDF streams are Flate without a predictor. pdfcpu's filter makes a
// zlib reader (a 40 KiB inflater, allocated and cleared) for each stream,
// decodes into a growing bytes.Buffer and the caller copies that out
// again: on the real documents that was most of what a PDF scan
// allocated. inflatePDF decodes those streams with a pooled reader into
// a pooled buffer, with pdfcpu's outcome: a stream cut short is not an
// error (all its input was decoded), a bad header or bad data is
// corrupt with what was decoded before it, past capN the first capN
// bytes and the limit.

// zlibReaders holds io.ReadClosers that are zlib.Resetters; the decoded
// streams go into bufPool's buffers, as other members' content does.
var zlibReaders sync.Pool

// maxPooledInflate is the largest buffer put back: one huge stream must
// not pin its memory in the pool.
const maxPooledInflate = 4 << 20

// inflatePDF decodes a zlib stream in into a buffer of bufPool, which
// the caller gives back with putInflateBuf. The buffer is returned with
// an error too.
func inflatePDF(in []byte, capN int64, capLimit Limit, lim Limits) (*[]byte, error) {
	out := bufPool.Get().(*[]byte)
	buf := (*out)[:0]
	defer func() { *out = buf }()
	src := bytes.NewReader(in)
	var zr io.ReadCloser
	if v := zlibReaders.Get(); v != nil {
		zr = v.(io.ReadCloser)
		if err := zr.(zlib.Resetter).Reset(src, nil); err != nil {
			zlibReaders.Put(zr)
			return out, inflateErr(err)
		}
	} else {
		var err error
		if zr, err = zlib.NewReader(src); err != nil {
			return out, inflateErr(err)
		}
	}
	defer zlibReaders.Put(zr)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		room := buf[len(buf):cap(buf)]
		if left := capN + 1 - int64(len(buf)); int64(len(room)) > left {
			room = room[:left] // one byte past the cap tells it is exceeded
		}
		n, err := zr.Read(room)
		buf = buf[:len(buf)+n]
		if err != nil && err != io.EOF {
			buf = buf[:min(int64(len(buf)), capN)]
			return out, inflateErr(err)
		}
		if int64(len(buf)) > capN {
			buf = buf[:capN]
			return out, &LimitError{Limit: capLimit, Max: pdfLimitMax(capLimit, lim)}
		}
		if err == io.EOF {
			return out, nil
		}
	}
}

// inflateErr is pdfcpu's verdict on a zlib error.
func inflateErr(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return nil
	}
	return fmt.Errorf("%w: pdf Flate: flate decode: %w", ErrCorrupt, err)
}

func putInflateBuf(b *[]byte) {
	if b != nil && cap(*b) <= maxPooledInflate {
		*b = (*b)[:0]
		bufPool.Put(b)
	}
}

// pooledReader reads a decoded stream held in a buffer of bufPool and
// gives the buffer back on Close (the walker closes a member's reader once
// it has read it).
type pooledReader struct {
	bytes.Reader
	buf *[]byte
}

func newPooledReader(b *[]byte) *pooledReader {
	r := &pooledReader{buf: b}
	r.Reset(*b)
	return r
}

func (r *pooledReader) Close() error {
	putInflateBuf(r.buf)
	r.buf = nil
	r.Reset(nil)
	return nil
}
