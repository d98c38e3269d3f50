package difftest

import (
	"bytes"
	"debug/elf"
	"encoding/hex"
	"os"
	"testing"
)

// Sample-building helpers for the construct cases.

// hx is the hex of a string, for writing patterns that read as text.
func hx(s string) string { return hex.EncodeToString([]byte(s)) }

// notText is a byte run that makes ClamAV's text detection
// (libclamav/textdet.c) answer "binary data" wherever it sits: a NUL fails
// the ASCII and UTF-8 tests, and however the file is cut into 16-bit units
// from byte 2 on (the BOM-less UTF-16 test skips bytes 0 and 1) one unit
// inside the run is 0x0000 or 0x0001, which fails that test too. Without it
// ClamAV would treat our samples as text and also match target-0
// signatures against a normalised copy (see TestTextFiles).
const notText = "\x00\x00\x00\x01"

// bin wraps text in notText on both sides, keeping the construct cases
// about the pattern language alone.
func bin(s string) []byte { return []byte(notText + s + notText) }

// binL keeps the left file edge free (for (B)/(L) at offset 0).
func binL(s string) []byte { return []byte(s + notText) }

// binR keeps the right file edge free.
func binR(s string) []byte { return []byte(notText + s) }

// placed returns size zero bytes with marker written at off.
func placed(size, off int, marker string) []byte {
	b := make([]byte, size)
	copy(b[off:], marker)
	return b
}

// times repeats s n times separated by NUL bytes, so counted
// subsignatures see exactly n separate matches.
func times(s string, n int) string {
	out := ""
	for range n {
		out += s + "\x00"
	}
	return out
}

// patch returns a copy of data with marker written at off.
func patch(data []byte, off int, marker string) []byte {
	b := bytes.Clone(data)
	copy(b[off:], marker)
	return b
}

// samplePE builds the PE every executable case uses: three sections of
// int3 filler with the entry point 16 bytes into section 0.
func samplePE() ([]byte, peLayout) {
	fill := func(n int) []byte { return bytes.Repeat([]byte{0xcc}, n) }
	return peImage{sections: [][]byte{fill(0x180), fill(0x300), fill(0x100)}, epSect: 0, epOff: 16}.build()
}

// elfInfo is the layout of a system ELF executable, copied as a sample.
type elfInfo struct {
	data  []byte
	ep    int // file offset of the entry point
	text  int // index of .text in the section header table
	toff  int // its file offset
	tsize int
}

// systemELF loads /bin/true (any small ELF of the machine will do: cases
// patch markers into a copy, and offsets are computed from its headers).
func systemELF(t testing.TB) elfInfo {
	t.Helper()
	const path = "/bin/true"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("no ELF sample: %v", err)
	}
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	info := elfInfo{data: data, ep: -1, text: -1}
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD && f.Entry >= p.Vaddr && f.Entry-p.Vaddr < p.Filesz {
			info.ep = int(p.Off + (f.Entry - p.Vaddr))
			break
		}
	}
	for i, s := range f.Sections {
		if s.Name == ".text" {
			info.text, info.toff, info.tsize = i, int(s.Offset), int(s.Size)
		}
	}
	if info.ep < 0 || info.text < 0 || info.tsize < 64 {
		t.Skipf("%s: no entry point or .text section", path)
	}
	return info
}
