package scan

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sigtool/sigtool/filetype"
	"github.com/sigtool/sigtool/matcher"
)

const (
	marker  = "MARKER-EICAR-LIKE"
	testSig = "Test.Sig"
	failing = "FAIL-DETECTOR"
)

var errDetector = errors.New("fake detector broke")

// fakeDetector reports testSig when the bytes contain marker and fails
// when they contain failing. It reads through the ReaderAt in chunks, as a
// real matcher would, so content that is not really there is noticed.
type fakeDetector struct {
	calls atomic.Int64
	bytes atomic.Int64
	// peek, if set, sees each call's size (for memory sampling).
	peek func(size int64)
}

func (d *fakeDetector) Match(ctx context.Context, r io.ReaderAt, size int64, _ filetype.Info) (matcher.Result, error) {
	names, err := d.Detect(ctx, r, size)
	return matcher.Result{Names: names}, err
}

func (d *fakeDetector) Detect(ctx context.Context, r io.ReaderAt, size int64) ([]string, error) {
	d.calls.Add(1)
	d.bytes.Add(size)
	if d.peek != nil {
		d.peek(size)
	}
	sr := io.NewSectionReader(r, 0, size)
	const keep = 64 // longer than any needle, so matches across reads are seen
	buf := make([]byte, keep+64<<10)
	have := 0
	var sigs []string
	var fail bool
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n, err := sr.Read(buf[have:])
		win := buf[:have+n]
		if sigs == nil && bytes.Contains(win, []byte(marker)) {
			sigs = []string{testSig}
		}
		fail = fail || bytes.Contains(win, []byte(failing))
		have = copy(buf, win[max(0, len(win)-keep):])
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if fail {
		return nil, errDetector
	}
	return sigs, nil
}

type file struct {
	name string
	data []byte
}

func f(name, data string) file { return file{name, []byte(data)} }

func zipOf(t testing.TB, files ...file) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, x := range files {
		w, err := zw.Create(x.name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(x.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func tarOf(t testing.TB, files ...file) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, x := range files {
		tw.WriteHeader(&tar.Header{Name: x.name, Mode: 0o644, Size: int64(len(x.data))})
		tw.Write(x.data)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gzipOf(t testing.TB, name string, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Name = name
	zw.Write(data)
	zw.Close()
	return buf.Bytes()
}

func scanBytes(t testing.TB, e *Engine, name string, data []byte) *Result {
	t.Helper()
	res, err := e.Scan(context.Background(), name, bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("Scan(%s): %v", name, err)
	}
	return res
}

// outline renders a result tree one line per node, for compact asserts.
func outline(r *Result) string {
	var b strings.Builder
	for n := range r.All() {
		b.WriteString(n.Path)
		if n.Format != 0 {
			b.WriteString(" [" + n.Format.String() + "]")
		}
		for _, s := range n.Signatures {
			b.WriteString(" " + s)
		}
		if n.Encrypted {
			b.WriteString(" encrypted")
		}
		if n.Limit != "" {
			b.WriteString(" limit=" + n.Limit)
		}
		if n.Err != nil && n.Limit == "" {
			b.WriteString(" error")
		}
		if n.Damage != nil {
			b.WriteString(" damaged")
		}
		b.WriteString("\n")
	}
	return b.String()
}
