package clamd

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/sigtool/sigtool/engine"
	"github.com/sigtool/sigtool/scan"
	"github.com/sigtool/sigtool/unpack"
)

// memLimit is how much of a stream is kept in memory; a longer one
// continues in a temporary file, as clamd keeps every stream.
const memLimit = 4 << 20

// streamBufs holds the memory of finished INSTREAM streams for the next
// ones: grown by appending, a 1 MB stream cost 2 MB of allocation and its
// copies (12% of the CPU time of 64 clients streaming libwine's DLLs);
// reused, it costs the one copy out of the connection's buffer. One pool
// per size class (minBuf << k), so that a mail-sized stream does not
// park a buffer a DLL grew: with one pool for all sizes and a 256 KiB
// floor, TestReloadUnderLoad's peak was 1.5-1.7x its steady state.
var streamBufs [bufClasses]sync.Pool

const (
	minBuf     = 16 << 10
	bufClasses = 9 // minBuf << 8 == memLimit
)

// bufClass is the smallest class holding n bytes.
func bufClass(n int) int {
	k := 0
	for minBuf<<k < n {
		k++
	}
	return k
}

// stream is one INSTREAM's (or MAILSCAN's) data.
type stream struct {
	mem    []byte
	file   *os.File
	size   int64
	pooled bool // mem comes from and goes back to streamBufs
}

// grow makes room in mem for n more bytes (st.size+n <= memLimit).
func (st *stream) grow(n int64) {
	need := int(st.size + n)
	if need <= cap(st.mem) {
		return
	}
	k := bufClass(max(need, 2*cap(st.mem)))
	var m []byte
	if st.pooled {
		if b, ok := streamBufs[k].Get().(*[]byte); ok {
			m = (*b)[:len(st.mem)]
		}
	}
	if m == nil {
		m = make([]byte, len(st.mem), minBuf<<k)
	}
	copy(m, st.mem)
	st.release()
	st.mem = m
}

func (st *stream) write(p []byte, tempDir string) error {
	if st.file == nil && st.size+int64(len(p)) <= memLimit {
		st.grow(int64(len(p)))
		st.mem = append(st.mem, p...)
		st.size += int64(len(p))
		return nil
	}
	if st.file == nil {
		f, err := os.CreateTemp(tempDir, "sigupdated-stream-")
		if err != nil {
			return err
		}
		os.Remove(f.Name()) // gone with the descriptor, whatever happens
		st.file = f
		if _, err := f.Write(st.mem); err != nil {
			return err
		}
		st.release()
	}
	if _, err := st.file.Write(p); err != nil {
		return err
	}
	st.size += int64(len(p))
	return nil
}

// readerAt is the stream's content; in memory, the matcher probes it in
// place (unpack.Bytes has the bytes) instead of copying it chunk by chunk.
func (st *stream) readerAt() io.ReaderAt {
	if st.file != nil {
		return st.file
	}
	return unpack.Bytes(st.mem)
}

func (st *stream) close() {
	if st.file != nil {
		st.file.Close()
	}
	st.release()
}

// release gives mem back to its pool: nothing reads it after the scan.
func (st *stream) release() {
	if st.pooled && cap(st.mem) >= minBuf {
		if k := bufClass(cap(st.mem)); minBuf<<k == cap(st.mem) {
			b := st.mem[:0]
			streamBufs[k].Put(&b)
		}
	}
	st.mem = nil
}

// errLimit is a stream over stream_max_length.
var errLimit = errors.New("clamd: stream over the size limit")

// readChunks reads INSTREAM's framing: chunks of a 4-byte big-endian
// length and that many bytes, up to a zero length. Like clamd it checks
// each length against what is left of the limit before reading it.
func (ss *session) readChunks(st *stream) error {
	quota := int64(ss.s.cfg.StreamMaxLength)
	var hdr [4]byte
	var scratch []byte
	for {
		if err := ss.rd.full(hdr[:]); err != nil {
			return err
		}
		n := int64(binary.BigEndian.Uint32(hdr[:]))
		if n == 0 {
			return nil
		}
		if n > quota {
			return errLimit
		}
		quota -= n
		if st.file == nil && st.size+n <= memLimit {
			// Straight into memory.
			st.grow(n)
			end := len(st.mem) + int(n)
			if err := ss.rd.full(st.mem[len(st.mem):end]); err != nil {
				return err
			}
			st.mem = st.mem[:end]
			st.size += n
			continue
		}
		if scratch == nil {
			scratch = make([]byte, 32<<10)
		}
		for n > 0 {
			k := min(n, int64(len(scratch)))
			if err := ss.rd.full(scratch[:k]); err != nil {
				return err
			}
			if err := st.write(scratch[:k], ss.s.opt.TempDir); err != nil {
				return fmt.Errorf("clamd: temporary file: %w", err)
			}
			n -= k
		}
	}
}

// instream is INSTREAM; false ends the connection.
func (ss *session) instream(ctx context.Context) bool {
	st := &stream{pooled: true}
	defer st.close()
	if !ss.receive(st) {
		return false
	}
	return ss.send(ss.scanReply(ctx, "stream", func(snap *engine.Snapshot) (*scan.Result, error) {
		// The clean cache serves streams only: their bytes are the
		// daemon's own, while a file a client can still write (FILDES,
		// SCAN) could change between the digest and the scan, and a clean
		// verdict would be remembered for content never scanned.
		res, cached, err := snap.ScanCached("stream", st.readerAt(), st.size, func() (*scan.Result, error) {
			return snap.Scan.Scan(ctx, "stream", st.readerAt(), st.size)
		})
		if cached {
			ss.s.stats.cached.Add(1)
		}
		return res, err
	}))
}

// receive reads a stream's chunks and answers a failure as clamd does.
func (ss *session) receive(st *stream) bool {
	err := ss.readChunks(st)
	switch {
	case err == nil:
		return true
	case errors.Is(err, errLimit):
		ss.send(ss.reply().error("", errSizeLimit))
	case errors.Is(err, errTimeout):
		ss.readFailed(err)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		// The client went away mid-stream: nobody to answer.
	default:
		ss.send(ss.reply().error("", errProcessing))
	}
	return false
}

// scanReply runs one scan in a scan slot on the snapshot serving now and
// turns its result into clamd's reply line for name ("stream", "fd[5]").
func (ss *session) scanReply(ctx context.Context, name string, run func(*engine.Snapshot) (*scan.Result, error)) []byte {
	r := ss.reply()
	release, err := ss.s.scanSlot(ctx)
	if err != nil {
		return r.error(name, errProcessing)
	}
	defer release()
	snap := ss.s.snapshot()
	if snap == nil {
		ss.s.stats.errors.Add(1)
		return r.error(name, errNoEngine)
	}
	res, err := run(snap)
	ss.s.stats.scans.Add(1)
	if err != nil && res == nil {
		ss.s.stats.errors.Add(1)
		return r.error(name, err.Error())
	}
	return ss.s.verdict(r, name, res, err, false)
}

// verdict is one file's reply: the first signature FOUND (every one with
// allMatch, one line each), else its ERROR, else OK, decided as `sigtool
// scan` decides (scan.Result.Status): never OK on a doubt.
func (s *Server) verdict(r replier, name string, res *scan.Result, err error, allMatch bool) []byte {
	switch {
	case res.Status() == scan.Infected:
		s.stats.found.Add(1)
		var out []byte
		for _, f := range res.Findings() {
			out = append(out, r.found(name, f.Signature)...)
			if !allMatch {
				break
			}
		}
		return out
	case err != nil:
		s.stats.errors.Add(1)
		return r.error(name, err.Error())
	case res.Status() == scan.Failed:
		s.stats.errors.Add(1)
		return r.error(name, res.Problem().Error())
	}
	return r.single(name, replyOK)
}
