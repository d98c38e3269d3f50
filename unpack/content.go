package unpack

import (
	"context"
	"io"
	"os"
	"sync"
	"sync/atomic"
)

// countingReaderAt counts the bytes a decoder pulls from the archive, which
// is the honest "compressed size" for the ratio check: declared sizes can
// lie, bytes read cannot.
type countingReaderAt struct {
	r io.ReaderAt
	n atomic.Int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n.Add(int64(n))
	return n, err
}

// meter is the per-archive account of expanded bytes, shared by every
// member's reader so the ratio is cumulative: a solid or overlapping archive
// cannot hide its expansion by spreading it over members.
type meter struct {
	lim      Limits
	src      *countingReaderAt
	expanded int64
}

func (m *meter) ratioExceeded() bool {
	if m.lim.MaxRatio <= 0 || m.expanded <= m.lim.RatioFloor {
		return false
	}
	consumed := m.src.n.Load()
	if consumed < 1 {
		consumed = 1
	}
	return m.expanded/consumed >= m.lim.MaxRatio
}

// meteredReader counts a member's decoded bytes into the meter, stops on the
// ratio limit and on context cancellation.
type meteredReader struct {
	ctx  context.Context
	r    io.Reader
	m    *meter
	name string
}

func (mr *meteredReader) Read(p []byte) (int, error) {
	if err := mr.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := mr.r.Read(p)
	mr.m.expanded += int64(n)
	if mr.m.ratioExceeded() {
		return n, &LimitError{Limit: LimitRatio, Member: mr.name, Max: mr.m.lim.MaxRatio}
	}
	return n, err
}

// content is a member's bytes, in memory or in a temporary file.
type content struct {
	buf  []byte
	file *os.File
	size int64
}

func (c *content) ReaderAt() io.ReaderAt {
	if c.file != nil {
		return c.file
	}
	return Bytes(c.buf)
}

func (c *content) close() {
	if c.file != nil {
		name := c.file.Name()
		c.file.Close()
		os.Remove(name)
		c.file = nil
	}
	if c.buf != nil {
		buf := c.buf[:0]
		bufPool.Put(&buf)
	}
	c.buf = nil
}

// bufPool recycles member buffers: content lives only until the caller's
// function returns, and regrowing a fresh slice for every member of a
// large archive costs more than the decoding.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// chunkPool recycles readContent's read buffers: one per member, 32 KiB,
// was most of what scanning an office document allocated (its members are
// a few KiB each).
var chunkPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// readContent reads at most lim.MaxFileSize bytes of r. It returns what was
// read and, separately, the error that stopped it: a LimitFileSize error
// when more data followed, the decoder's error, or nil at a clean EOF. The
// content is returned even with an error so a damaged or oversized member
// can still be scanned. Only a failure to create the spill file is fatal.
func readContent(r io.Reader, name string, lim Limits) (*content, error, error) {
	spill := lim.SpillSize
	if spill <= 0 {
		spill = defaultSpillSize
	}
	max := lim.MaxFileSize
	if max <= 0 {
		max = 1<<63 - 1
	}
	c := &content{buf: (*bufPool.Get().(*[]byte))[:0]}
	cp := chunkPool.Get().(*[]byte)
	defer chunkPool.Put(cp)
	chunk := *cp
	var readErr error
	for stalls := 0; ; {
		want := int64(len(chunk))
		if left := max - c.size; left < want {
			// Read one byte past the limit to learn whether it is exceeded.
			want = left + 1
		}
		n, err := r.Read(chunk[:want])
		if n > 0 {
			if c.size+int64(n) > max {
				n = int(max - c.size)
				readErr = &LimitError{Limit: LimitFileSize, Member: name, Max: max}
			}
			if werr := c.append(chunk[:n], spill, lim.TempDir); werr != nil {
				c.close()
				return nil, nil, werr
			}
			if readErr != nil {
				break
			}
		}
		if err == io.EOF {
			break
		}
		if n == 0 && err == nil {
			// A decoder that returns nothing forever must not hang us.
			if stalls++; stalls > 100 {
				readErr = io.ErrNoProgress
				break
			}
		}
		if err != nil {
			readErr = err
			break
		}
	}
	return c, readErr, nil
}

func (c *content) append(p []byte, spill int64, dir string) error {
	if c.file == nil && c.size+int64(len(p)) > spill {
		f, err := os.CreateTemp(dir, "unpack-*")
		if err != nil {
			return err
		}
		c.file = f
		if _, err := f.Write(c.buf); err != nil {
			return err
		}
		buf := c.buf[:0]
		bufPool.Put(&buf)
		c.buf = nil
	}
	if c.file != nil {
		if _, err := c.file.Write(p); err != nil {
			return err
		}
	} else {
		c.buf = append(c.buf, p...)
	}
	c.size += int64(len(p))
	return nil
}
