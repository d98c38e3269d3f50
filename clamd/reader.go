package clamd

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// reader buffers a connection's bytes and, on a Unix socket, the file
// descriptors that arrive with them (SCM_RIGHTS), which FILDES claims.
// Every read is bounded by the deadline in force.
type reader struct {
	c       net.Conn
	unix    *net.UnixConn
	buf     []byte
	oob     []byte // room for the descriptors of one read
	r, w    int
	fds     []*os.File
	timeout time.Duration
}

const readBuf = 64 << 10

// readBufs keeps the buffers of closed connections: a client such as
// clamdscan opens one per file, and a mail-sized file is smaller than
// the buffer.
var readBufs = sync.Pool{New: func() any { return new([readBuf]byte) }}

func newReader(c net.Conn) *reader {
	rd := &reader{c: c, buf: readBufs.Get().(*[readBuf]byte)[:]}
	if rd.unix, _ = c.(*net.UnixConn); rd.unix != nil {
		rd.oob = make([]byte, unix.CmsgSpace(4*4))
	}
	return rd
}

// release gives the buffer back when the connection is done.
func (rd *reader) release() {
	readBufs.Put((*[readBuf]byte)(rd.buf))
	rd.buf = nil
}

// errTimeout is a read that hit its deadline.
var errTimeout = errors.New("clamd: read timed out")

// fill reads at least one more byte into the buffer.
func (rd *reader) fill() error {
	if rd.r > 0 && rd.r == rd.w {
		rd.r, rd.w = 0, 0
	}
	if rd.w == len(rd.buf) {
		if rd.r == 0 {
			return errors.New("clamd: command too long")
		}
		rd.w = copy(rd.buf, rd.buf[rd.r:rd.w])
		rd.r = 0
	}
	if rd.timeout > 0 {
		_ = rd.c.SetReadDeadline(time.Now().Add(rd.timeout))
	}
	var n int
	var err error
	if rd.unix != nil {
		var oobn int
		n, oobn, _, _, err = rd.unix.ReadMsgUnix(rd.buf[rd.w:], rd.oob)
		rd.takeFDs(rd.oob[:oobn])
	} else {
		n, err = rd.c.Read(rd.buf[rd.w:])
	}
	rd.w += n
	if n > 0 {
		return nil
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return errTimeout
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

func (rd *reader) takeFDs(oob []byte) {
	if len(oob) == 0 {
		return
	}
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return
	}
	for _, m := range msgs {
		fds, err := unix.ParseUnixRights(&m)
		if err != nil {
			continue
		}
		for _, fd := range fds {
			rd.fds = append(rd.fds, os.NewFile(uintptr(fd), "fd"))
		}
	}
}

// takeFD hands over the oldest received descriptor, nil if none came.
func (rd *reader) takeFD() *os.File {
	if len(rd.fds) == 0 {
		return nil
	}
	f := rd.fds[0]
	rd.fds = rd.fds[1:]
	return f
}

// closeFDs closes descriptors nobody claimed.
func (rd *reader) closeFDs() {
	for _, f := range rd.fds {
		f.Close()
	}
	rd.fds = nil
}

func (rd *reader) buffered() []byte { return rd.buf[rd.r:rd.w] }

// readUntil returns the bytes up to (not including) delim and consumes
// them and delim.
func (rd *reader) readUntil(delim byte) ([]byte, error) {
	for {
		b := rd.buffered()
		for i, c := range b {
			if c == delim {
				rd.r += i + 1
				return b[:i], nil
			}
		}
		if err := rd.fill(); err != nil {
			return nil, err
		}
	}
}

// packet returns what the first read brought, up to a newline: clamd's
// "one packet is one command" for commands without a prefix.
func (rd *reader) packet() []byte {
	b := rd.buffered()
	for i, c := range b {
		if c == '\n' {
			rd.r += i + 1
			return b[:i]
		}
	}
	rd.r = rd.w
	return b
}

// byte1 consumes one byte.
func (rd *reader) byte1() (byte, error) {
	for rd.r == rd.w {
		if err := rd.fill(); err != nil {
			return 0, err
		}
	}
	c := rd.buf[rd.r]
	rd.r++
	return c, nil
}

// full reads exactly len(p) bytes.
func (rd *reader) full(p []byte) error {
	for len(p) > 0 {
		if rd.r == rd.w {
			if err := rd.fill(); err != nil {
				if err == io.EOF {
					return io.ErrUnexpectedEOF
				}
				return err
			}
		}
		n := copy(p, rd.buf[rd.r:rd.w])
		rd.r += n
		p = p[n:]
	}
	return nil
}
