package unpack

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"errors"
	"fmt"
	"io"

	"github.com/ulikunitz/xz"
)

// Rebuild returns a copy of the archive data without the members for which
// drop returns true. Zip entries are copied raw (still compressed, same
// CRC, same header fields) so kept members are byte-identical, and the
// archive comment is kept; tar entries keep their headers. A gzip or xz
// file is rebuilt when it holds a tar (.tar.gz, .tgz, .tar.xz, .tar.bz2);
// the tar is then compressed again the same way. Other formats give
// ErrNotRebuildable, and so does a compressed anything-but-a-tar: the
// caller should then remove the whole attachment.
func Rebuild(f Format, data []byte, drop func(name string) bool) ([]byte, error) {
	switch f {
	case Zip:
		return rebuildZip(data, drop)
	case Tar:
		return rebuildTar(data, drop)
	case Gzip:
		return rebuildTarGz(data, drop)
	case Xz:
		return rebuildTarXz(data, drop)
	case Bzip2:
		var out bytes.Buffer
		return recompressTar(Bzip2, bzip2.NewReader(bytes.NewReader(data)), &bzip2Buffer{out: &out}, &out, drop)
	}
	return nil, fmt.Errorf("%w: %s", ErrNotRebuildable, f)
}

func rebuildZip(data []byte, drop func(string) bool) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, fmt.Errorf("%w: zip: %w", ErrCorrupt, err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		if drop(f.Name) {
			continue
		}
		raw, err := f.OpenRaw()
		if err != nil {
			return nil, fmt.Errorf("%w: zip member %q: %w", ErrCorrupt, f.Name, err)
		}
		h := f.FileHeader
		w, err := zw.CreateRaw(&h)
		if err != nil {
			return nil, fmt.Errorf("unpack: rebuilding zip member %q: %w", f.Name, err)
		}
		if _, err := io.Copy(w, raw); err != nil {
			return nil, fmt.Errorf("%w: zip member %q: %w", ErrCorrupt, f.Name, err)
		}
	}
	if err := zw.SetComment(zr.Comment); err != nil {
		return nil, fmt.Errorf("unpack: rebuilding zip comment: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("unpack: rebuilding zip: %w", err)
	}
	return out.Bytes(), nil
}

// maxRebuildSize caps the data Rebuild writes for a tar; a zip's output is
// never larger than its input because entries are copied compressed.
const maxRebuildSize = 400 * mib

func rebuildTar(data []byte, drop func(string) bool) ([]byte, error) {
	var out bytes.Buffer
	if err := copyTar(&out, bytes.NewReader(data), drop); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func copyTar(dst io.Writer, src io.Reader, drop func(string) bool) error {
	tr := tar.NewReader(src)
	tw := tar.NewWriter(dst)
	var total int64
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("%w: tar: %w", ErrCorrupt, err)
		}
		if drop(h.Name) {
			continue
		}
		if err := tw.WriteHeader(h); err != nil {
			return fmt.Errorf("unpack: rebuilding tar member %q: %w", h.Name, err)
		}
		if _, err := io.Copy(tw, tr); err != nil {
			return fmt.Errorf("%w: tar member %q: %w", ErrCorrupt, h.Name, err)
		}
		if total += h.Size; total > maxRebuildSize {
			// A compressed tar can expand without bound; refuse to
			// write a bomb back out.
			return &LimitError{Limit: LimitScanSize, Member: h.Name, Max: maxRebuildSize}
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("unpack: rebuilding tar: %w", err)
	}
	return nil
}

func rebuildTarGz(data []byte, drop func(string) bool) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: gzip: %w", ErrCorrupt, err)
	}
	var out bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&out, gzip.BestCompression)
	zw.Header = zr.Header
	return recompressTar(Gzip, zr, zw, &out, drop)
}

func rebuildTarXz(data []byte, drop func(string) bool) ([]byte, error) {
	zr, err := newXzReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: xz: %w", ErrCorrupt, err)
	}
	var out bytes.Buffer
	zw, err := xz.NewWriter(&out)
	if err != nil {
		return nil, fmt.Errorf("unpack: rebuilding xz: %w", err)
	}
	return recompressTar(Xz, zr, zw, &out, drop)
}

// bzip2Buffer collects a tar and bzip2-compresses it into out on Close.
type bzip2Buffer struct {
	buf bytes.Buffer
	out *bytes.Buffer
}

func (b *bzip2Buffer) Write(p []byte) (int, error) { return b.buf.Write(p) }

func (b *bzip2Buffer) Close() error {
	_, err := b.out.Write(compressBzip2(b.buf.Bytes()))
	return err
}

// recompressTar copies the tar read from zr into zw without the dropped
// members and returns what zw wrote into out. A stream that does not hold
// a tar is refused before any work.
func recompressTar(f Format, zr io.Reader, zw io.WriteCloser, out *bytes.Buffer, drop func(string) bool) ([]byte, error) {
	br := bufio.NewReaderSize(zr, 64<<10)
	head, _ := br.Peek(HeadSize)
	if Identify(head) != Tar {
		return nil, fmt.Errorf("%w: %s not holding a tar", ErrNotRebuildable, f)
	}
	if err := copyTar(zw, br, drop); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("unpack: rebuilding %s: %w", f, err)
	}
	return out.Bytes(), nil
}
