package unpack

import (
	"archive/zip"
	"compress/bzip2"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"strings"

	"github.com/klauspost/compress/zstd"
)

// Zip method numbers (APPNOTE 4.4.5) this package adds to archive/zip's
// store and deflate, and the one that marks WinZip AES encryption.
const (
	zipMethodImpl  = 6
	zipMethodD64   = 9
	zipMethodBzip2 = 12
	zipMethodZstd  = 93
	zipMethodAES   = 99
	zipExtraAES    = 0x9901
	zipFlagCrypt   = 0x1
)

func (w *walker) zip(src io.ReaderAt, size int64) error {
	zr, err := zip.NewReader(src, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return fmt.Errorf("%w: zip: %w", ErrCorrupt, err)
	}
	registerZipMethods(zr)
	// archive/zip has already checked the central directory's entry count
	// against the file size, so len(zr.File) is what is really there.
	w.info.MemberCount = len(zr.File)
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") {
			continue
		}
		f := f
		// A member's data error does not stop a zip walk: the central
		// directory says where the next member is.
		if _, stop := w.emit(f.Name, zipEncrypted(&f.FileHeader), func() (io.Reader, error) {
			if f.Method == zipMethodImpl {
				return openImploded(f)
			}
			rc, err := f.Open()
			if errors.Is(err, zip.ErrAlgorithm) {
				return nil, fmt.Errorf("%w: zip method %d", ErrUnsupported, f.Method)
			}
			return rc, err
		}); stop != nil {
			return stop
		}
	}
	return nil
}

// openImploded reads an Implode member, which needs the header's flags
// and size (archive/zip's decompressors see the data alone), and checks
// its CRC as archive/zip does for the others.
func openImploded(f *zip.File) (io.Reader, error) {
	raw, err := f.OpenRaw()
	if err != nil {
		return nil, err
	}
	size := int64(f.UncompressedSize64)
	return &crcCheck{r: newExplodeReader(raw, size, f.Flags), want: f.CRC32, h: crc32.NewIEEE()}, nil
}

// crcCheck reports a CRC-32 mismatch at the end of the data.
type crcCheck struct {
	r    io.Reader
	h    hash.Hash32
	want uint32
}

func (c *crcCheck) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.h.Write(p[:n])
	if err == io.EOF && c.h.Sum32() != c.want {
		err = fmt.Errorf("checksum error") // the walker names the format and member
	}
	return n, err
}

func registerZipMethods(zr *zip.Reader) {
	zr.RegisterDecompressor(zipMethodD64, newDeflate64Reader)
	zr.RegisterDecompressor(zipMethodBzip2, func(r io.Reader) io.ReadCloser {
		return io.NopCloser(bzip2.NewReader(r))
	})
	zr.RegisterDecompressor(zipMethodZstd, func(r io.Reader) io.ReadCloser {
		// A bounded window keeps a hostile frame header from sizing a
		// huge buffer; one goroutine because the scanner parallelises
		// across files already.
		d, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderMaxWindow(64*mib), zstd.WithDecoderMaxMemory(256*mib))
		if err != nil {
			return io.NopCloser(errReader{err})
		}
		return d.IOReadCloser()
	})
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// zipEncrypted reports traditional PKWARE encryption (general-purpose bit
// 0) and WinZip AES (method 99 with extra field 0x9901).
func zipEncrypted(h *zip.FileHeader) bool {
	if h.Flags&zipFlagCrypt != 0 || h.Method == zipMethodAES {
		return true
	}
	for extra := h.Extra; len(extra) >= 4; {
		tag := binary.LittleEndian.Uint16(extra)
		n := int(binary.LittleEndian.Uint16(extra[2:]))
		if tag == zipExtraAES {
			return true
		}
		if 4+n > len(extra) {
			break
		}
		extra = extra[4+n:]
	}
	return false
}
