package unpack

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

// fuzzLimits keep each fuzz input cheap: a mutated header may claim
// anything, and the limits are what must hold.
func fuzzLimits() Limits {
	return Limits{MaxFileSize: 1 << 20, MaxScanSize: 4 << 20, MaxFiles: 100, MaxRatio: 250, RatioFloor: 64 << 10, SpillSize: 256 << 10}
}

// fuzzWalk checks the invariants that hold for any input: no panic, content
// within limits and as large as claimed, no content for encrypted members,
// and every error either classified or the walk's own.
func fuzzWalk(t *testing.T, f Format, data []byte) {
	lim := fuzzLimits()
	n := 0
	info, err := Walk(context.Background(), f, bytes.NewReader(data), int64(len(data)), lim, func(m Member) error {
		n++
		if m.Size > lim.MaxFileSize {
			t.Fatalf("member %q: %d bytes over MaxFileSize", m.Name, m.Size)
		}
		if m.Encrypted && m.Content != nil {
			t.Fatalf("member %q: encrypted yet has content", m.Name)
		}
		if m.Content != nil {
			b, err := io.ReadAll(io.NewSectionReader(m.Content, 0, m.Size))
			if err != nil || int64(len(b)) != m.Size {
				t.Fatalf("member %q: read %d of %d: %v", m.Name, len(b), m.Size, err)
			}
		}
		return nil
	})
	if n > lim.MaxFiles {
		t.Fatalf("%d members past MaxFiles", n)
	}
	if info.Expanded > lim.MaxScanSize {
		t.Fatalf("expanded %d past MaxScanSize", info.Expanded)
	}
	if err != nil && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrLimit) &&
		!errors.Is(err, ErrEncrypted) && !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrNoUnpacker) {
		t.Fatalf("unclassified error: %v", err)
	}
	Identify(data)
}

func FuzzWalkZip(f *testing.F) {
	f.Add(buildZip(f, []testFile{{"a.txt", "alpha"}, {"d/", ""}, {"b", strings.Repeat("b", 300)}}))
	f.Add(buildZip(f, nil))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzWalk(t, Zip, data) })
}

func FuzzWalkTar(f *testing.F) {
	f.Add(buildTar(f, []testFile{{"a.txt", "alpha"}, {"d/", ""}, {"b", strings.Repeat("b", 600)}}))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzWalk(t, Tar, data) })
}

func FuzzWalkGzip(f *testing.F) {
	f.Add(gzipBytes(f, "n", []byte(strings.Repeat("gz", 100))))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzWalk(t, Gzip, data) })
}

func FuzzWalkBzip2(f *testing.F) {
	f.Add(readTestdata(f, "hello.txt.bz2"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzWalk(t, Bzip2, data) })
}

func FuzzWalkXz(f *testing.F) {
	f.Add(xzBytes(f, []byte(strings.Repeat("xz", 100))))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzWalk(t, Xz, data) })
}

func FuzzWalk7z(f *testing.F) {
	for _, name := range []string{"plain.7z", "encrypted.7z", "encrypted-headers.7z"} {
		f.Add(readTestdata(f, name))
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzWalk(t, SevenZip, data) })
}

func FuzzWalkRar(f *testing.F) {
	files := []rarFile{{name: "a", data: []byte("alpha")}, {name: "e", data: []byte("x"), encrypted: true}}
	f.Add(rar5(files, false))
	f.Add(rar5(nil, true))
	f.Add(rar4(files))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzWalk(t, Rar, data) })
}

// FuzzRebuild checks that a rebuild either fails cleanly or yields an
// archive that opens and holds exactly the original members minus "a".
func FuzzRebuild(f *testing.F) {
	f.Add(buildZip(f, []testFile{{"a", "1"}, {"b", "2"}}))
	f.Add(buildTar(f, []testFile{{"a", "1"}, {"b", "2"}}))
	f.Add(gzipBytes(f, "t.tar", buildTar(f, []testFile{{"a", "1"}, {"b", "2"}})))
	f.Fuzz(func(t *testing.T, data []byte) {
		format := Identify(data)
		out, err := Rebuild(format, data, func(n string) bool { return n == "a" })
		if err != nil || format != Zip {
			return
		}
		before, _ := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		after, err := zip.NewReader(bytes.NewReader(out), int64(len(out)))
		if err != nil {
			t.Fatalf("rebuilt zip does not open: %v", err)
		}
		var want, got []string
		for _, f := range before.File {
			if f.Name != "a" {
				want = append(want, f.Name)
			}
		}
		for _, f := range after.File {
			got = append(got, f.Name)
		}
		if strings.Join(got, "\x00") != strings.Join(want, "\x00") {
			t.Fatalf("members %q, want %q", got, want)
		}
	})
}
