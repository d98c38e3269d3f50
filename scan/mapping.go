package scan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sync"
	"unsafe"

	"github.com/sigtool/sigtool/filetype"
	"github.com/sigtool/sigtool/matcher"
)

// A file on disk is scanned through its memory mapping (on Linux): the
// matcher then probes the file's bytes where they are instead of copying
// them chunk by chunk (BenchmarkScanFile: mapped against ReadAt, a few
// percent, within the host's noise on some runs; README). Only the
// matcher's pass over the file itself reads the mapping; archives and mail
// are unpacked through ReadAt as before, so a fault can only happen inside
// that one call, on this goroutine.
//
// A file truncated by another process while it is scanned makes reading
// the mapping fault (SIGBUS), or read zeros inside its last page.
// detectMapped turns the fault, or a size smaller afterwards, into
// ErrFileChanged instead of a crash: the file gets an error, never "OK".

// ErrFileChanged is the error of a file that shrank while it was scanned.
var ErrFileChanged = errors.New("the file shrank while it was scanned (truncated by another process); scan it again")

// minMapSize is the smallest file worth mapping: below it the copy costs
// less than setting up and tearing down the mapping. maxMapSize is the
// largest: the mapping is populated up front, which for a file larger than
// memory (limits off, a disk image) would read it twice.
const (
	minMapSize = 256 << 10
	maxMapSize = 1 << 30
)

// smallFiles holds the buffers that files too small to map are read into
// whole: one read, where the unpackers and typing would each issue their
// own small ones (a zip's directory, its members, its tail), and content
// in memory is matched in place. A mail gateway scans mostly such files.
var smallFiles = sync.Pool{New: func() any { return new([]byte) }}

// readSmall reads a file smaller than minMapSize into a buffer of
// smallFiles, or returns nil (then the file is read through ReadAt).
func readSmall(f *os.File, size int64) *[]byte {
	if size <= 0 || size >= minMapSize {
		return nil
	}
	buf := smallFiles.Get().(*[]byte)
	if int64(cap(*buf)) < size {
		*buf = make([]byte, size, minMapSize)
	}
	if _, err := io.ReadFull(io.NewSectionReader(f, 0, size), (*buf)[:size]); err != nil {
		smallFiles.Put(buf)
		return nil
	}
	return buf
}

// mapping is an open file with its bytes mapped: an io.ReaderAt whose
// Bytes the matcher probes in place.
type mapping struct {
	*os.File
	mem []byte
}

// Bytes returns the mapped bytes of the file.
func (m *mapping) Bytes() []byte { return m.mem }

// offset returns the file offset of addr, and whether it lies inside the
// mapping.
func (m *mapping) offset(addr uintptr) (uintptr, bool) {
	start := uintptr(unsafe.Pointer(unsafe.SliceData(m.mem)))
	return addr - start, len(m.mem) > 0 && addr >= start && addr-start < uintptr(len(m.mem))
}

// detectMapped runs the detector over the mapping, turning a fault inside
// it into ErrFileChanged.
func (e *Engine) detectMapped(ctx context.Context, m *mapping, size int64, info filetype.Info) (res matcher.Result, err error) {
	if err := m.guard(func() error {
		res, err = e.d.Match(ctx, m, size, info)
		return err
	}); err != nil {
		return matcher.Result{}, err
	}
	// Only pages wholly past the new end fault: a file cut inside its last
	// page reads as zeros there. The size afterwards tells.
	st, err := m.Stat()
	if err != nil {
		return matcher.Result{}, err
	}
	if st.Size() < int64(len(m.mem)) {
		return matcher.Result{}, fmt.Errorf("%w: it is %d bytes now, %d when the scan began", ErrFileChanged, st.Size(), len(m.mem))
	}
	return res, nil
}

// guard runs fn, which reads the mapping, and turns a fault inside the
// mapping into ErrFileChanged.
func (m *mapping) guard(fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		if f, ok := r.(interface{ Addr() uintptr }); ok {
			if off, in := m.offset(f.Addr()); in {
				err = fmt.Errorf("%w: reading offset %d of the mapped file faulted", ErrFileChanged, off)
				return
			}
		}
		panic(r)
	}()
	return fn()
}
