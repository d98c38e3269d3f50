package unpack

import (
	"bytes"
	"compress/flate"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// lsbWriter packs bits least significant first, as deflate does; codes go
// in most significant bit first.
type lsbWriter struct {
	out   []byte
	acc   uint64
	nbits uint
}

func (w *lsbWriter) bits(v uint64, n uint) {
	w.acc |= v << w.nbits
	w.nbits += n
	for w.nbits >= 8 {
		w.out = append(w.out, byte(w.acc))
		w.acc >>= 8
		w.nbits -= 8
	}
}

func (w *lsbWriter) code(c uint64, n uint) {
	var r uint64
	for i := uint(0); i < n; i++ {
		r = r<<1 | c>>i&1
	}
	w.bits(r, n)
}

func (w *lsbWriter) bytes() []byte {
	if w.nbits > 0 {
		return append(w.out, byte(w.acc))
	}
	return w.out
}

func inflate64(t *testing.T, stream []byte) ([]byte, error) {
	t.Helper()
	return io.ReadAll(newDeflate64Reader(bytes.NewReader(stream)))
}

// TestDeflate64Codes: a fixed-code block with what Deflate64 changes:
// length code 285 with 16 extra bits, and distance code 30 (32769 back)
// after a stored block that fills the window past 32 KiB.
func TestDeflate64Codes(t *testing.T) {
	var w lsbWriter
	w.bits(0, 1) // not final
	w.bits(1, 2) // fixed codes
	w.code(0x30+'a', 8)
	w.code(0xc5, 8)     // symbol 285
	w.bits(60000-3, 16) // length 60000
	w.code(0, 5)        // distance 1
	w.code(0, 7)        // end of block
	stored := make([]byte, 40000)
	rand.New(rand.NewSource(1)).Read(stored)
	w.bits(0, 1)
	w.bits(0, 2) // stored
	w.bits(0, 8-(w.nbits%8))
	w.bits(40000, 16)
	w.bits(^uint64(40000)&0xffff, 16)
	w.out = append(w.out, stored...)
	w.bits(1, 1) // final
	w.bits(1, 2)
	w.code(2, 7)  // symbol 258 (length 4)
	w.code(30, 5) // distance code 30
	w.bits(0, 14) // 32769 back
	w.code(0, 7)
	got, err := inflate64(t, w.bytes())
	if err != nil {
		t.Fatal(err)
	}
	want := append([]byte(strings.Repeat("a", 60001)), stored...)
	back := len(want) - 32769
	want = append(want, want[back:back+4]...)
	if !bytes.Equal(got, want) {
		t.Fatalf("got %d bytes, want %d", len(got), len(want))
	}
}

// TestDeflate64Plain: deflate streams without matches (stored and
// Huffman-only blocks, nothing Deflate64 changes) decode the same.
func TestDeflate64Plain(t *testing.T) {
	text := []byte(strings.Repeat("the quick brown fox jumps over the lazy dog, ", 2000))
	noise := make([]byte, 70000)
	rand.New(rand.NewSource(2)).Read(noise)
	for _, level := range []int{flate.NoCompression, flate.HuffmanOnly} {
		for _, data := range [][]byte{text[:2000], noise, append(noise[:1000:1000], text[:5000]...)} {
			var buf bytes.Buffer
			fw, _ := flate.NewWriter(&buf, level)
			fw.Write(data)
			fw.Close()
			got, err := inflate64(t, buf.Bytes())
			if err != nil || !bytes.Equal(got, data) {
				t.Errorf("level %d, %d bytes: got %d bytes, %v", level, len(data), len(got), err)
			}
		}
	}
}

// TestDeflate64Damaged: cut and corrupted streams end in an error, never a
// hang or a panic.
func TestDeflate64Damaged(t *testing.T) {
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.HuffmanOnly)
	fw.Write([]byte(strings.Repeat("abcdefgh", 1000)))
	fw.Close()
	s := buf.Bytes()
	if _, err := inflate64(t, s[:len(s)/2]); err == nil {
		t.Error("cut stream: no error")
	}
	if _, err := inflate64(t, []byte{0x07}); err == nil { // block type 3
		t.Error("reserved block type: no error")
	}
}

// TestZipDeflate64: zips written by 7-Zip with Deflate64 (Debian
// p7zip-full): text, noise and long runs, which use the 64 KiB window and
// code 285, read back as written (archive/zip checks each CRC).
func TestZipDeflate64(t *testing.T) {
	sevenZip, err := exec.LookPath("7z")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("7z missing (the Makefile installs p7zip-full)")
		}
		t.Skip("7z missing: install the Debian package p7zip-full")
	}
	dir := t.TempDir()
	rnd := rand.New(rand.NewSource(3))
	noise := make([]byte, 200000)
	rnd.Read(noise)
	files := map[string][]byte{
		"text.txt": []byte(strings.Repeat("Deflate64 keeps 64 KiB of history. ", 30000)),
		"runs.bin": append(append(bytes.Repeat([]byte{0}, 300000), noise[:50000]...), bytes.Repeat([]byte{1}, 100000)...),
		"far.bin":  append(append(noise[:60000:60000], bytes.Repeat([]byte("x"), 3000)...), noise[:60000]...),
	}
	var names []string
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	zipPath := filepath.Join(dir, "d64.zip")
	cmd := exec.Command(sevenZip, append([]string{"a", "-tzip", "-mm=Deflate64", "-mx=9", zipPath}, names...)...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("7z: %v: %s", err, out)
	}
	data, err := os.ReadFile(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	members, _, err := walkAll(t, Zip, data, DefaultLimits())
	if err != nil || len(members) != len(files) {
		t.Fatalf("%v: %d members", err, len(members))
	}
	for _, m := range members {
		if m.err != nil || m.data != string(files[m.name]) {
			t.Errorf("%s: %d bytes, %v", m.name, len(m.data), m.err)
		}
	}
}

func FuzzDeflate64(f *testing.F) {
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.BestCompression)
	fw.Write([]byte(strings.Repeat("seed text, seed text. ", 50)))
	fw.Close()
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		r := io.LimitReader(newDeflate64Reader(bytes.NewReader(data)), 1<<20)
		io.Copy(io.Discard, r)
	})
}
