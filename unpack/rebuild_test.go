package unpack

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/ulikunitz/xz"
)

func dropNamed(names ...string) func(string) bool {
	return func(n string) bool {
		for _, d := range names {
			if n == d {
				return true
			}
		}
		return false
	}
}

func TestRebuildZip(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range []struct {
		name   string
		method uint16
		data   string
	}{
		{"keep.txt", zip.Deflate, strings.Repeat("keep me ", 100)},
		{"virus.exe", zip.Deflate, "MARKER"},
		{"stored.bin", zip.Store, "raw bytes"},
	} {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: f.method, Comment: "c-" + f.name})
		io.WriteString(w, f.data)
	}
	zw.SetComment("archive comment")
	zw.Close()
	orig := buf.Bytes()

	out, err := Rebuild(Zip, orig, dropNamed("virus.exe"))
	if err != nil {
		t.Fatal(err)
	}
	before, _ := zip.NewReader(bytes.NewReader(orig), int64(len(orig)))
	after, err := zip.NewReader(bytes.NewReader(out), int64(len(out)))
	if err != nil {
		t.Fatalf("rebuilt zip does not open: %v", err)
	}
	if after.Comment != "archive comment" {
		t.Errorf("comment %q lost", after.Comment)
	}
	if len(after.File) != 2 || after.File[0].Name != "keep.txt" || after.File[1].Name != "stored.bin" {
		t.Fatalf("rebuilt members %v", after.File)
	}
	for i, a := range after.File {
		b := before.File[[]int{0, 2}[i]]
		if a.CRC32 != b.CRC32 || a.Method != b.Method || a.Comment != b.Comment || a.CompressedSize64 != b.CompressedSize64 {
			t.Errorf("%s: header changed", a.Name)
		}
		ra, _ := a.OpenRaw()
		rb, _ := b.OpenRaw()
		da, _ := io.ReadAll(ra)
		db, _ := io.ReadAll(rb)
		if !bytes.Equal(da, db) {
			t.Errorf("%s: raw data differs", a.Name)
		}
		// And it still decodes, CRC checked.
		rc, _ := a.Open()
		if _, err := io.ReadAll(rc); err != nil {
			t.Errorf("%s: %v", a.Name, err)
		}
	}
}

func TestRebuildTarAndTarGz(t *testing.T) {
	tarData := buildTar(t, []testFile{{"dir/", ""}, {"dir/a.txt", "alpha"}, {"virus.exe", "MARKER"}, {"b.txt", "beta"}})
	for _, tt := range []struct {
		name   string
		format Format
		data   []byte
	}{
		{"tar", Tar, tarData},
		{"tar.gz", Gzip, gzipBytes(t, "x.tar", tarData)},
		{"tar.xz", Xz, xzBytes(t, tarData)},
		{"tar.bz2", Bzip2, compressBzip2(tarData)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Rebuild(tt.format, tt.data, dropNamed("virus.exe"))
			if err != nil {
				t.Fatal(err)
			}
			var r io.Reader = bytes.NewReader(out)
			if tt.format == Gzip {
				zr, err := gzip.NewReader(r)
				if err != nil {
					t.Fatal(err)
				}
				if zr.Name != "x.tar" {
					t.Errorf("gzip name %q not kept", zr.Name)
				}
				r = zr
			}
			if tt.format == Bzip2 {
				r = bzip2.NewReader(r)
			}
			if tt.format == Xz {
				zr, err := xz.NewReader(r)
				if err != nil {
					t.Fatal(err)
				}
				r = zr
			}
			if f := Identify(out[:min(len(out), HeadSize)]); f != tt.format {
				t.Errorf("rebuilt archive is %s", f)
			}
			tr := tar.NewReader(r)
			var names []string
			for {
				h, err := tr.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(tr)
				names = append(names, h.Name+"="+string(b))
			}
			if got := strings.Join(names, ","); got != "dir/=,dir/a.txt=alpha,b.txt=beta" {
				t.Errorf("rebuilt %s", got)
			}
		})
	}
}

func TestRebuildRefuses(t *testing.T) {
	tests := []struct {
		name   string
		format Format
		data   []byte
		want   error
	}{
		{"7z", SevenZip, readTestdata(t, "plain.7z"), ErrNotRebuildable},
		{"rar", Rar, rar5(nil, false), ErrNotRebuildable},
		{"bzip2 of text", Bzip2, readTestdata(t, "hello.txt.bz2"), ErrNotRebuildable},
		{"xz of text", Xz, xzBytes(t, []byte("just text")), ErrNotRebuildable},
		{"gzip of text", Gzip, gzipBytes(t, "a.txt", []byte("just text")), ErrNotRebuildable},
		{"corrupt zip", Zip, []byte("PK\x03\x04 broken"), ErrCorrupt},
		{"truncated tar", Tar, buildTar(t, []testFile{{"a", strings.Repeat("x", 2000)}})[:1000], ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Rebuild(tt.format, tt.data, dropNamed()); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}
