package unpack

import (
	"archive/zip"
	"bytes"
	"errors"
	"hash/crc32"
	"strings"
	"testing"
)

// zipWithoutDirectory is a zip cut before its central directory, as the
// first part of a split archive is, with the spanning marker when split.
func zipWithoutDirectory(t testing.TB, split bool, files ...testFile) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	if _, err := zw.CreateHeader(&zip.FileHeader{Name: "dir/", Method: zip.Store}); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		w, err := zw.CreateRaw(&zip.FileHeader{Name: f.name, Method: zip.Store, CRC32: crc32.ChecksumIEEE([]byte(f.data)), CompressedSize64: uint64(len(f.data)), UncompressedSize64: uint64(len(f.data))})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(f.data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Flush(); err != nil {
		t.Fatal(err)
	}
	out := bytes.Clone(b.Bytes()) // before Close writes the directory
	if split {
		out = append([]byte("PK\x07\x08"), out...)
	}
	return out
}

func TestZipByLocalHeaders(t *testing.T) {
	for _, split := range []bool{false, true} {
		z := zipWithoutDirectory(t, split, testFile{"dir/a.exe", "MZ first"}, testFile{"b.txt", strings.Repeat("second ", 50)})
		if f := Identify(z); f != Zip {
			t.Fatalf("Identify = %s", f)
		}
		members, info, err := walkAll(t, Zip, z, DefaultLimits())
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("split %v: %v, want the missing directory reported", split, err)
		}
		if info.MemberCount != 3 || len(members) != 2 || members[0].name != "dir/a.exe" || members[0].data != "MZ first" ||
			members[1].data != strings.Repeat("second ", 50) || members[0].err != nil || members[1].err != nil {
			t.Errorf("split %v: %+v %v", split, info, names(members))
		}
	}
	// The last entry cut, as a split archive's part ends: what is whole
	// is read, and the walk is an error.
	z := zipWithoutDirectory(t, true, testFile{"a", "whole"}, testFile{"b", "cut in the middle"})
	members, _, err := walkAll(t, Zip, z[:len(z)-5], DefaultLimits())
	if !errors.Is(err, ErrCorrupt) || len(members) != 1 || members[0].data != "whole" {
		t.Errorf("cut: %v %v", err, names(members))
	}
}

// TestZipByLocalHeadersLimits: an entry that inflates 1000x, found by its
// local header, stops at the ratio limit, and a large one at MaxFileSize.
func TestZipByLocalHeadersLimits(t *testing.T) {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.Create("bomb")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(make([]byte, 16<<20)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	z := b.Bytes()
	cd := bytes.Index(z, []byte("PK\x01\x02"))
	// Sizes in the local header, as the writer leaves them in the
	// descriptor: the directory's copy is what a local-header reader lacks.
	local := bytes.Clone(z[:cd])
	copy(local[6:8], []byte{0, 0})     // no data descriptor
	copy(local[14:26], z[cd+16:cd+28]) // CRC, sizes from the directory
	local = local[:len(local)-16]      // drop the descriptor itself
	if len(local) > 64<<10 {
		t.Fatalf("the bomb is %d bytes", len(local))
	}
	checkBomb(t, Zip, local, 100, 16<<20)
}

func FuzzWalkZipLocalHeaders(f *testing.F) {
	f.Add(zipWithoutDirectory(f, true, testFile{"dir/a.exe", "MZ first"}, testFile{"b.txt", "second"}))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzWalk(t, Zip, data) })
}
