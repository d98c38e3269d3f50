package unpack

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
)

// SZDD, the files of Microsoft's COMPRESS.EXE ("setup.ex_"), as the
// format's public descriptions give it: "SZDD\x88\xf0\x27\x33", a mode
// byte ('A'), the name's last character that the short name replaced by
// '_', the uncompressed size (32 bits, little endian), then LZSS: each
// control byte's bits, least significant first, say whether a literal
// byte (1) or a two-byte match (0) follows. A match is a 12-bit position
// in a 4 KiB window (low 8 bits, then the high 4 in the second byte's top
// nibble) and a length of 3 to 18 (its low nibble plus 3). The window
// starts filled with spaces, writing at 4096-16. The file is unnamed
// inside; the scan engine names it after the file (StreamName).

const (
	szddHeader = 14
	szddWindow = 4096
)

var magicSZDD = []byte("SZDD\x88\xf0\x27\x33")

func (w *walker) szdd(src io.ReaderAt, size int64) error {
	var h [szddHeader]byte
	if _, err := src.ReadAt(h[:], 0); err != nil || string(h[:8]) != string(magicSZDD) {
		return fmt.Errorf("%w: szdd header", ErrCorrupt)
	}
	if h[8] != 'A' {
		return fmt.Errorf("%w: szdd mode %q", ErrUnsupported, h[8])
	}
	want := int64(binary.LittleEndian.Uint32(h[10:]))
	w.info.MemberCount = 1
	_, stop := w.emit("", false, func() (io.Reader, error) {
		return newSZDDReader(io.NewSectionReader(src, szddHeader, size-szddHeader), want), nil
	})
	return stop
}

type szddReader struct {
	in      *bufio.Reader
	win     [szddWindow]byte
	pos     int
	left    int64 // what the header says is still to come
	ctrl    int   // control bits, with a marker bit above them
	copyPos int
	copyLen int
	err     error
}

func newSZDDReader(r io.Reader, size int64) *szddReader {
	d := &szddReader{in: bufio.NewReader(r), pos: szddWindow - 16, left: size, ctrl: 1}
	for i := range d.win {
		d.win[i] = ' '
	}
	return d
}

func (d *szddReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if d.left <= 0 {
			return n, io.EOF
		}
		if d.err != nil {
			return n, d.err
		}
		if d.copyLen > 0 {
			c := d.win[d.copyPos]
			d.copyPos = (d.copyPos + 1) & (szddWindow - 1)
			d.copyLen--
			d.out(p, &n, c)
			continue
		}
		if d.ctrl == 1 {
			c, err := d.in.ReadByte()
			if err != nil {
				d.fail(err)
				continue
			}
			d.ctrl = int(c) | 0x100
		}
		literal := d.ctrl&1 == 1
		d.ctrl >>= 1
		if literal {
			c, err := d.in.ReadByte()
			if err != nil {
				d.fail(err)
				continue
			}
			d.out(p, &n, c)
			continue
		}
		lo, err := d.in.ReadByte()
		if err == nil {
			var hi byte
			if hi, err = d.in.ReadByte(); err == nil {
				d.copyPos = int(lo) | int(hi&0xf0)<<4
				d.copyLen = int(hi&0x0f) + 3
			}
		}
		if err != nil {
			d.fail(err)
		}
	}
	return n, nil
}

func (d *szddReader) out(p []byte, n *int, c byte) {
	d.win[d.pos] = c
	d.pos = (d.pos + 1) & (szddWindow - 1)
	p[*n] = c
	*n++
	d.left--
}

// fail ends the data: input that runs out before the size the header
// gave is a file cut short.
func (d *szddReader) fail(err error) {
	if err == io.EOF {
		err = fmt.Errorf("szdd: data ends %d bytes before the size the header gives", d.left)
	}
	d.err = err
}
