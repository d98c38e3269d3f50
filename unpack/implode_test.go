package unpack

import (
	"archive/zip"
	"bytes"
	"errors"
	"hash/crc32"
	"io"
	"math/rand"
	"strings"
	"testing"
)

// implode compresses data as zip method 6 with the given flags: greedy
// matches within the dictionary, and uniform trees (every literal 8 bits,
// every length and distance code 6 bits), which APPNOTE's code
// assignment turns into code N-1-s for symbol s.
func implode(data []byte, flags uint16) []byte {
	dictBits, dict, minMatch := uint(6), 4096, 2
	if flags&implodeFlagDict8K != 0 {
		dictBits, dict = 7, 8192
	}
	lits := flags&implodeFlagLiterals != 0
	if lits {
		minMatch = 3
	}
	var w lsbWriter
	if lits {
		w.out = append(w.out, 15)
		w.out = append(w.out, bytes.Repeat([]byte{0xf7}, 16)...)
	}
	for range 2 {
		w.out = append(w.out, 3, 0xf5, 0xf5, 0xf5, 0xf5)
	}
	maxLen := minMatch + 63 + 255
	for i := 0; i < len(data); {
		bestLen, bestDist := 0, 0
		for d := 1; d <= dict && d <= i; d++ {
			l := 0
			for l < maxLen && i+l < len(data) && data[i+l] == data[i+l-d] {
				l++
			}
			if l > bestLen {
				bestLen, bestDist = l, d
			}
		}
		if bestLen < minMatch {
			w.bits(1, 1)
			if lits {
				w.code(uint64(255-data[i]), 8)
			} else {
				w.bits(uint64(data[i]), 8)
			}
			i++
			continue
		}
		w.bits(0, 1)
		d := bestDist - 1
		w.bits(uint64(d&(1<<dictBits-1)), dictBits)
		w.code(uint64(63-d>>dictBits), 6)
		l := bestLen - minMatch
		if l >= 63 {
			w.code(0, 6) // code 63
			w.bits(uint64(l-63), 8)
		} else {
			w.code(uint64(63-l), 6)
		}
		i += bestLen
	}
	return w.bytes()
}

func implodedZip(t *testing.T, name string, data []byte, flags uint16) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	comp := implode(data, flags)
	fw, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zipMethodImpl, Flags: flags,
		CRC32: crc32.ChecksumIEEE(data), CompressedSize64: uint64(len(comp)), UncompressedSize64: uint64(len(data))})
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(comp)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestZipImplode(t *testing.T) {
	noise := make([]byte, 3000)
	rand.New(rand.NewSource(4)).Read(noise)
	data := []byte(strings.Repeat("imploded text, ", 40))
	data = append(data, noise...)
	data = append(data, bytes.Repeat([]byte{0}, 700)...) // a match past 63 + minimum
	data = append(data, noise[:500]...)                  // 3700+ bytes back: within 4 KiB
	data = append(data, make([]byte, 2000)...)
	data = append(data, noise[100:400]...) // 6000+ back: 8 KiB only
	for _, flags := range []uint16{0, implodeFlagDict8K, implodeFlagLiterals, implodeFlagDict8K | implodeFlagLiterals} {
		z := implodedZip(t, "a.exe", data, flags)
		members, _, err := walkAll(t, Zip, z, DefaultLimits())
		if err != nil || len(members) != 1 || members[0].err != nil || members[0].data != string(data) {
			t.Errorf("flags %#x: %v %d members", flags, err, len(members))
			for _, m := range members {
				t.Errorf("  %q: %d bytes, %v", m.name, len(m.data), m.err)
			}
		}
	}
}

// TestZipImplodeDamaged: a stream cut short, or one whose CRC does not
// match, gives a corrupt member.
func TestZipImplodeDamaged(t *testing.T) {
	data := []byte(strings.Repeat("abcabcabd", 50))
	z := implodedZip(t, "a", data, implodeFlagLiterals)
	bad := append([]byte(nil), z...)
	crc := crc32.ChecksumIEEE(data)
	at := bytes.LastIndex(bad, []byte{byte(crc), byte(crc >> 8), byte(crc >> 16), byte(crc >> 24)})
	bad[at] ^= 1 // the central directory's CRC
	members, _, _ := walkAll(t, Zip, bad, DefaultLimits())
	if len(members) != 1 || !errors.Is(members[0].err, ErrCorrupt) {
		t.Errorf("bad CRC: %+v", members)
	}
	comp := implode(data, implodeFlagLiterals)
	r := newExplodeReader(bytes.NewReader(comp[:len(comp)/2]), int64(len(data)), implodeFlagLiterals)
	if _, err := readAllBounded(r, 1<<20); err == nil {
		t.Error("cut stream: no error")
	}
}

func readAllBounded(r io.Reader, max int64) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r, max))
}

func FuzzExplode(f *testing.F) {
	f.Add(implode([]byte(strings.Repeat("seed, seed. ", 30)), implodeFlagLiterals), uint16(implodeFlagLiterals))
	f.Add(implode([]byte("0123456789 0123456789"), 0), uint16(0))
	f.Fuzz(func(t *testing.T, data []byte, flags uint16) {
		readAllBounded(newExplodeReader(bytes.NewReader(data), 1<<20, flags), 1<<20)
	})
}
