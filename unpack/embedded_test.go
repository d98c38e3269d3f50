package unpack

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"hash/crc32"
	"io"
	"slices"
	"strings"
	"testing"
)

// localEntry returns one zip local file entry (stored or deflated) with
// its sizes in the header, and no central directory.
func localEntry(t testing.TB, name string, data []byte, method, flags uint16) []byte {
	t.Helper()
	stored := data
	if method == zip.Deflate {
		var c bytes.Buffer
		fw, _ := flate.NewWriter(&c, flate.BestCompression)
		fw.Write(data)
		fw.Close()
		stored = c.Bytes()
	}
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	f, err := w.CreateRaw(&zip.FileHeader{Name: name, Method: method, Flags: flags, CRC32: crc32.ChecksumIEEE(data),
		CompressedSize64: uint64(len(stored)), UncompressedSize64: uint64(len(data))})
	if err != nil {
		t.Fatal(err)
	}
	f.Write(stored)
	w.Flush()
	return bytes.Clone(b.Bytes()[:zipLocalHeader+len(name)+len(stored)])
}

// noBytes hides a reader's Bytes method, so that the search reads windows.
type noBytes struct{ r io.ReaderAt }

func (n noBytes) ReadAt(p []byte, off int64) (int, error) { return n.r.ReadAt(p, off) }

func walkEmbedded(t testing.TB, r io.ReaderAt, size int64) (names []string, contents []string, err error) {
	_, err = WalkEmbeddedZip(context.Background(), r, size, DefaultLimits(), func(m Member) error {
		names = append(names, m.Name)
		var c []byte
		if m.Content != nil {
			c = make([]byte, m.Size)
			m.Content.ReadAt(c, 0)
		}
		if m.Err != nil {
			c = append(c, "!err"...)
		}
		contents = append(contents, string(c))
		return nil
	})
	return names, contents, err
}

func TestWalkEmbeddedZip(t *testing.T) {
	junk := []byte("\x00\x00\x00\x01 other data PK\x03\x04 not a header \x00\x9b\n")
	a := localEntry(t, "theme/theme1.xml", []byte("<a:theme>first</a:theme>"), zip.Deflate, 0)
	b := localEntry(t, "b.bin", []byte("second, stored"), zip.Store, 0)
	inner := localEntry(t, "inner.bin", []byte("inside another entry's data"), zip.Store, 0)
	outer := localEntry(t, "outer.bin", append([]byte("wrapper "), inner...), zip.Store, 0)
	bad := slices.Clone(a)
	bad[len(bad)-3] ^= 0xff // damages the deflated data or its CRC
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	for _, tc := range []struct {
		name     string
		data     []byte
		want     []string
		contents []string
	}{
		{"none", junk, nil, nil},
		{"at offset 0 is not embedded", cat(a, junk), nil, nil},
		{"one", cat(junk, a, junk), []string{"theme/theme1.xml"}, []string{"<a:theme>first</a:theme>"}},
		{"two in a row", cat(junk, a, b), []string{"theme/theme1.xml", "b.bin"}, []string{"<a:theme>first</a:theme>", "second, stored"}},
		{"inside another entry: skipped", cat(junk, outer), []string{"outer.bin"}, []string{"wrapper " + string(inner)}},
		{"data descriptor", cat(junk, localEntry(t, "d", []byte("x"), zip.Store, zipFlagDesc)), nil, nil},
		{"encrypted", cat(junk, localEntry(t, "e", []byte("x"), zip.Store, zipFlagCrypt)), nil, nil},
		{"masked", cat(junk, localEntry(t, "m", []byte("x"), zip.Store, zipFlagMasked)), nil, nil},
		{"empty", cat(junk, localEntry(t, "z", nil, zip.Store, 0)), nil, nil},
		{"cut short", cat(junk, a[:len(a)-1]), nil, nil},
		{"corrupt data", cat(junk, bad), []string{"theme/theme1.xml"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, r := range []io.ReaderAt{Bytes(tc.data), noBytes{bytes.NewReader(tc.data)}} {
				names, contents, err := walkEmbedded(t, r, int64(len(tc.data)))
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(names, tc.want) {
					t.Fatalf("names = %q, want %q", names, tc.want)
				}
				if tc.contents != nil && !slices.Equal(contents, tc.contents) {
					t.Fatalf("contents = %q, want %q", contents, tc.contents)
				}
				if tc.contents == nil && len(contents) == 1 && !strings.HasSuffix(contents[0], "!err") {
					t.Fatalf("a corrupt entry without Err: %q", contents[0])
				}
			}
		})
	}
}

// TestWalkEmbeddedZipWindows puts entries across and just after the
// border of the search's windows over content not in memory.
func TestWalkEmbeddedZipWindows(t *testing.T) {
	a := localEntry(t, "a", []byte("across the border"), zip.Store, 0)
	for _, at := range []int{embeddedWindow - 2, embeddedWindow - 4, embeddedWindow, embeddedWindow + 1} {
		data := make([]byte, at+len(a)+100)
		copy(data[at:], a)
		names, _, err := walkEmbedded(t, noBytes{bytes.NewReader(data)}, int64(len(data)))
		if err != nil || !slices.Equal(names, []string{"a"}) {
			t.Errorf("entry at %d: %q, %v", at, names, err)
		}
	}
}

func FuzzWalkEmbeddedZip(f *testing.F) {
	f.Add(append([]byte("junk"), localEntry(f, "a", []byte("content"), zip.Deflate, 0)...))
	f.Add(append([]byte("junk"), localEntry(f, "b", []byte("content"), zip.Store, 0)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		var total int64
		_, err := WalkEmbeddedZip(context.Background(), Bytes(data), int64(len(data)), DefaultLimits(), func(m Member) error {
			total += m.Size
			return nil
		})
		if err != nil && !errors.Is(err, ErrLimit) && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("error %v", err)
		}
		if max := DefaultLimits().MaxScanSize; max > 0 && total > max {
			t.Fatalf("yielded %d bytes, over the scan size limit", total)
		}
	})
}
