package mailscan

import (
	"archive/tar"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/sigtool/sigtool/mailmime"
	"github.com/sigtool/sigtool/unpack"
	"github.com/ulikunitz/xz"
)

func writeTar(t testing.TB, w io.Writer, files map[string]string) {
	tw := tar.NewWriter(w)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(files[n]))}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(files[n]))
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestTarArchivesCleaned: a tar in every compression mail carries, with
// one infected member, is rebuilt without it in the same compression,
// every other member kept, and the banner says "The file is cleaned.".
func TestTarArchivesCleaned(t *testing.T) {
	var tarData bytes.Buffer
	writeTar(t, &tarData, map[string]string{"docs/readme.txt": "fine", "docs/evil.exe": "MARKER-A", "z.txt": "also fine"})
	gz := func(b []byte) []byte {
		var o bytes.Buffer
		w := gzip.NewWriter(&o)
		w.Write(b)
		w.Close()
		return o.Bytes()
	}
	xzc := func(b []byte) []byte {
		var o bytes.Buffer
		w, _ := xz.NewWriter(&o)
		w.Write(b)
		w.Close()
		return o.Bytes()
	}
	bz := func(b []byte) []byte {
		dir := t.TempDir()
		f := filepath.Join(dir, "a.tar")
		os.WriteFile(f, b, 0o644)
		if _, err := exec.LookPath("bzip2"); err != nil {
			t.Skip("bzip2 not installed: no independent .tar.bz2 to start from")
		}
		if out, err := exec.Command("bzip2", "-k", f).CombinedOutput(); err != nil {
			t.Fatalf("bzip2: %v %s", err, out)
		}
		z, _ := os.ReadFile(f + ".bz2")
		return z
	}
	for _, tt := range []struct {
		name   string
		data   func() []byte
		format unpack.Format
		open   func(io.Reader) io.Reader
	}{
		{"a.tar", func() []byte { return tarData.Bytes() }, unpack.Tar, func(r io.Reader) io.Reader { return r }},
		{"a.tar.gz", func() []byte { return gz(tarData.Bytes()) }, unpack.Gzip, func(r io.Reader) io.Reader { z, _ := gzip.NewReader(r); return z }},
		{"a.tgz", func() []byte { return gz(tarData.Bytes()) }, unpack.Gzip, func(r io.Reader) io.Reader { z, _ := gzip.NewReader(r); return z }},
		{"a.tar.bz2", func() []byte { return bz(tarData.Bytes()) }, unpack.Bzip2, func(r io.Reader) io.Reader { return bzip2.NewReader(r) }},
		{"a.tar.xz", func() []byte { return xzc(tarData.Bytes()) }, unpack.Xz, func(r io.Reader) io.Reader { z, _ := xz.NewReader(r); return z }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestScanner(t, testPolicy())
			o, err := s.Process(context.Background(), mailWith("the archive", [2]string{tt.name, string(tt.data())}), Envelope{})
			if err != nil || o.Action != Rewrite || len(o.Findings) != 1 || o.Findings[0].Action != Cleaned {
				t.Fatalf("%v %s %+v, want the archive cleaned", err, o.Action, o.Findings)
			}
			if !strings.Contains(string(o.Message), "The file is cleaned.") {
				t.Fatal("banner does not say the file is cleaned")
			}
			root, _ := mailmime.Parse(o.Message)
			var data []byte
			mailmime.Walk(root, func(p *mailmime.Part) error {
				if p.Filename == tt.name {
					data, _ = p.Decode()
				}
				return nil
			})
			if f := unpack.Identify(data[:min(len(data), unpack.HeadSize)]); f != tt.format {
				t.Fatalf("rebuilt attachment is %s, want %s", f, tt.format)
			}
			tr := tar.NewReader(tt.open(bytes.NewReader(data)))
			var got []string
			for {
				h, err := tr.Next()
				if err != nil {
					break
				}
				b, _ := io.ReadAll(tr)
				got = append(got, h.Name+"="+string(b))
			}
			if strings.Join(got, ",") != "docs/readme.txt=fine,z.txt=also fine" {
				t.Fatalf("rebuilt members %v", got)
			}
		})
	}
}
