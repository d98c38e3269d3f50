package unpack

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sigtool/sigtool/filetype"
	"github.com/ulikunitz/xz"
)

type testFile struct {
	name string
	data string
}

func buildZip(t testing.TB, files []testFile) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.Create(f.name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, f.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func buildTar(t testing.TB, files []testFile) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		h := &tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.data)), ModTime: time.Unix(1700000000, 0)}
		if f.name[len(f.name)-1] == '/' {
			h.Typeflag, h.Size = tar.TypeDir, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		io.WriteString(tw, f.data)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gzipBytes(t testing.TB, name string, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Name = name
	zw.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func xzBytes(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	xw, err := xz.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	xw.Write(data)
	if err := xw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// got is one member as a test records it.
type got struct {
	name      string
	data      string
	encrypted bool
	err       error
	typ       filetype.Type
}

// walkAll walks data and records every member's content.
func walkAll(t testing.TB, f Format, data []byte, lim Limits) ([]got, Info, error) {
	t.Helper()
	var out []got
	info, err := Walk(context.Background(), f, bytes.NewReader(data), int64(len(data)), lim,
		func(m Member) error {
			g := got{name: m.Name, encrypted: m.Encrypted, err: m.Err, typ: m.Type}
			if m.Content != nil {
				b, rerr := io.ReadAll(io.NewSectionReader(m.Content, 0, m.Size))
				if rerr != nil {
					t.Errorf("member %q: reading content: %v", m.Name, rerr)
				}
				if int64(len(b)) != m.Size {
					t.Errorf("member %q: Size %d but %d bytes", m.Name, m.Size, len(b))
				}
				g.data = string(b)
			}
			out = append(out, g)
			return nil
		})
	return out, info, err
}

// names lists members without their content, for failure messages.
func names(ms []got) []string {
	var out []string
	for _, m := range ms {
		out = append(out, fmt.Sprintf("%q (%d bytes, %v)", m.name, len(m.data), m.err))
	}
	return out
}

// checkBomb walks data, a container whose last member inflates far past
// its stored size (bombSize bytes in all), twice: under a ratio limit,
// which must stop it before half of it came out, and under a 1 MiB
// MaxFileSize, which must cut the member there.
func checkBomb(t *testing.T, f Format, data []byte, maxRatio, bombSize int64) {
	t.Helper()
	lim := DefaultLimits()
	lim.MaxRatio, lim.RatioFloor = maxRatio, 1<<20
	members, info, err := walkAll(t, f, data, lim)
	if limitOf(err) != LimitRatio && (len(members) == 0 || limitOf(members[len(members)-1].err) != LimitRatio) {
		t.Errorf("ratio: %v %v", err, names(members))
	}
	if info.Expanded > bombSize/2 {
		t.Errorf("expanded %d of %d bytes before the ratio limit", info.Expanded, bombSize)
	}
	lim = DefaultLimits()
	lim.MaxFileSize = 1 << 20
	members, _, _ = walkAll(t, f, data, lim)
	if len(members) == 0 {
		t.Fatal("file size: no members")
	}
	if last := members[len(members)-1]; limitOf(last.err) != LimitFileSize || len(last.data) > 1<<20 {
		t.Errorf("file size: %v", names(members))
	}
}

func limitOf(err error) Limit {
	var le *LimitError
	if errors.As(err, &le) {
		return le.Limit
	}
	return ""
}
