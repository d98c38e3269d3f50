package unpack

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"
)

// Deflate building blocks for bombs (RFC 1951 3.2). Real deflate of zeros
// reaches about 1032:1: a dynamic Huffman block whose only codes are
// "length 258" (1 bit), "distance 1" (1 bit) and end-of-block. Eight such
// blocks always make a whole number of bytes, so that unit can be repeated
// verbatim to make a stream of any length without compressing anything.
// The stream starts with a stored block holding one zero byte for the
// matches to copy and ends with an empty final fixed block.
const bombK = 1 << 16 // matches per block: 16.9 MB of output

type bitWriter struct {
	out   []byte
	acc   uint64
	nbits uint
}

func (b *bitWriter) bits(v uint64, n uint) { // LSB first
	b.acc |= v << b.nbits
	b.nbits += n
	for b.nbits >= 8 {
		b.out = append(b.out, byte(b.acc))
		b.acc >>= 8
		b.nbits -= 8
	}
}

func (b *bitWriter) huff(code uint64, n uint) { // Huffman codes go MSB first
	var r uint64
	for i := uint(0); i < n; i++ {
		r = r<<1 | (code>>i)&1
	}
	b.bits(r, n)
}

func zeroBlocks() []byte {
	var b bitWriter
	for blk := 0; blk < 8; blk++ {
		b.bits(0, 1)  // not final
		b.bits(2, 2)  // dynamic Huffman
		b.bits(29, 5) // HLIT: 286 literal/length codes
		b.bits(0, 5)  // HDIST: 1 distance code
		b.bits(14, 4) // HCLEN: 18 code-length code lengths
		// Code-length code lengths in the RFC's order 16,17,18,0,8,7,9,
		// 6,10,5,11,4,12,3,13,2,14,1: symbol 18 gets 1 bit, 1 and 2 get 2.
		for _, l := range []uint64{0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2} {
			b.bits(l, 3)
		}
		// Canonical codes: 18 -> 0, 1 -> 10, 2 -> 11.
		zeros := func(n uint64) { b.huff(0, 1); b.bits(n-11, 7) }
		b.huff(3, 2) // literal 0: length 2
		zeros(138)   // literals 1..138
		zeros(117)   // literals 139..255
		b.huff(3, 2) // 256 end-of-block: length 2
		zeros(28)    // 257..284
		b.huff(2, 2) // 285 (length 258): length 1
		b.huff(2, 2) // distance 0 (distance 1): length 1
		// Canonical codes: 285 -> 0, literal 0 -> 10, 256 -> 11.
		for i := 0; i < bombK; i++ {
			b.huff(0, 1) // length 258
			b.huff(0, 1) // distance 1
		}
		b.huff(3, 2) // end of block
	}
	if b.nbits != 0 {
		panic("bomb unit not byte aligned")
	}
	return b.out
}

// deflateBomb returns a raw deflate stream of about expand zeros in three
// parts: head, a unit to repeat times, and the tail; size is the output.
func deflateBomb(expand int64) (head, unit, tail []byte, times, size int64) {
	head = []byte{0x00, 0x01, 0x00, 0xfe, 0xff, 0x00} // stored block: one zero
	unit = zeroBlocks()
	per := int64(8 * 258 * bombK)
	times = expand/per + 1
	tail = []byte{0x03, 0x00} // final fixed block holding only end-of-block
	return head, unit, tail, times, 1 + per*times
}

// segments is an io.ReaderAt over pieces, one of which repeats: a file
// of many gigabytes that takes a few kilobytes of memory.
type segments []segment

type segment struct {
	data  []byte
	times int64
}

func (s segments) size() int64 {
	var n int64
	for _, g := range s {
		n += int64(len(g.data)) * g.times
	}
	return n
}

func (s segments) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	for _, g := range s {
		span := int64(len(g.data)) * g.times
		if off >= span {
			off -= span
			continue
		}
		for n < len(p) && off < span {
			c := copy(p[n:], g.data[off%int64(len(g.data)):])
			if rem := span - off; int64(c) > rem {
				c = int(rem)
			}
			n += c
			off += int64(c)
		}
		if n == len(p) {
			return n, nil
		}
		off = 0
	}
	return n, io.EOF
}

// recorder keeps what a zip.Writer writes, except while skipping, when it
// only counts: the repeated unit is then kept once as a segment.
type recorder struct {
	segs    segments
	cur     []byte
	skipped int64
	skip    bool
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.skip {
		r.skipped += int64(len(p))
	} else {
		r.cur = append(r.cur, p...)
	}
	return len(p), nil
}

// zipBomb is a one-member zip of about expand zeros, honestly declared.
func zipBomb(t testing.TB, expand int64) segments {
	t.Helper()
	head, unit, tail, times, size := deflateBomb(expand)
	rec := &recorder{}
	zw := zip.NewWriter(rec)
	w, err := zw.CreateRaw(&zip.FileHeader{
		Name: "zeros.bin", Method: zip.Deflate,
		CompressedSize64:   uint64(len(head)+len(tail)) + uint64(len(unit))*uint64(times),
		UncompressedSize64: uint64(size),
	})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(head)
	zw.Flush()
	rec.segs, rec.cur, rec.skip = append(rec.segs, segment{rec.cur, 1}), nil, true
	// Write the unit through the zip.Writer so its offsets count it.
	for i := int64(0); i < times; i++ {
		w.Write(unit)
	}
	zw.Flush()
	if rec.skipped != int64(len(unit))*times {
		t.Fatalf("recorder skipped %d bytes, want %d", rec.skipped, int64(len(unit))*times)
	}
	rec.segs, rec.skip = append(rec.segs, segment{unit, times}), false
	w.Write(tail)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return append(rec.segs, segment{rec.cur, 1})
}

func TestZipBombRatio(t *testing.T) {
	bomb := zipBomb(t, 10<<30) // 10 GiB of zeros
	if bomb.size() > 11<<20 || bomb.size() < 9<<20 {
		t.Fatalf("bomb is %d bytes, expected about 10 MiB", bomb.size())
	}
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var members []Member
	info, err := Walk(context.Background(), Zip, bomb, bomb.size(), DefaultLimits(), func(m Member) error {
		members = append(members, m)
		return nil
	})
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if limitOf(err) != LimitRatio {
		t.Fatalf("err = %v, want the ratio limit", err)
	}
	if len(members) != 1 || limitOf(members[0].Err) != LimitRatio {
		t.Fatalf("members %+v, want the bomb reported with its limit", members)
	}
	if info.Expanded > 64<<20 {
		t.Errorf("expanded %d bytes before stopping", info.Expanded)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 256<<20 {
		t.Errorf("allocated %d MiB", grew>>20)
	}
}

// Without the ratio check the size limits still bound the work, and a
// member over MaxFileSize is handed over cut, spilled to disk, with its limit.
func TestZipBombFileSize(t *testing.T) {
	bomb := zipBomb(t, 1<<30)
	dir := t.TempDir()
	lim := DefaultLimits()
	lim.MaxRatio = 0
	lim.MaxFileSize = 24 << 20
	lim.SpillSize = 4 << 20
	lim.TempDir = dir
	var got Member
	_, err := Walk(context.Background(), Zip, bomb, bomb.size(), lim, func(m Member) error {
		got = m
		if _, ok := m.Content.(*os.File); !ok {
			t.Error("large member not spilled to a file")
		}
		tailBytes := make([]byte, 4096)
		if _, err := m.Content.ReadAt(tailBytes, m.Size-4096); err != nil || bytes.ContainsFunc(tailBytes, func(r rune) bool { return r != 0 }) {
			t.Errorf("spilled content is not the bomb's zeros (err %v)", err)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("err = %v; a file-size limit should not end the walk", err)
	}
	if limitOf(got.Err) != LimitFileSize || got.Size != lim.MaxFileSize {
		t.Fatalf("member Size %d Err %v, want %d bytes and MaxFileSize", got.Size, got.Err, lim.MaxFileSize)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("spill files left: %v", left)
	}
}

func TestStreamBombs(t *testing.T) {
	head, unit, tail, times, _ := deflateBomb(4 << 30)
	gz := segments{
		{append([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}, head...), 1}, {unit, times},
		{append(bytes.Clone(tail), make([]byte, 8)...), 1},
	}
	for _, tt := range []struct {
		name   string
		format Format
		r      io.ReaderAt
		size   int64
	}{
		{"gzip 4 GiB", Gzip, gz, gz.size()},
		{"bzip2 200 MiB", Bzip2, bytes.NewReader(readTestdata(t, "zeros-200M.bz2")), int64(len(readTestdata(t, "zeros-200M.bz2")))},
		{"xz 200 MiB", Xz, bytes.NewReader(readTestdata(t, "zeros-200M.xz")), int64(len(readTestdata(t, "zeros-200M.xz")))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			info, err := Walk(context.Background(), tt.format, tt.r, tt.size, DefaultLimits(), func(Member) error { return nil })
			if limitOf(err) != LimitRatio {
				t.Fatalf("err = %v, want ratio limit", err)
			}
			if info.Expanded > 64<<20 {
				t.Errorf("expanded %d MiB first", info.Expanded>>20)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	files := []testFile{{"a", strings.Repeat("a", 3000)}, {"b", strings.Repeat("b", 3000)}, {"c", strings.Repeat("c", 3000)}}
	data := buildZip(t, files)
	tests := []struct {
		name      string
		edit      func(*Limits)
		wantErr   Limit
		wantSizes []int64
		wantLimit []Limit
	}{
		{"defaults", func(*Limits) {}, "", []int64{3000, 3000, 3000}, []Limit{"", "", ""}},
		{"file size", func(l *Limits) { l.MaxFileSize = 1000 }, "", []int64{1000, 1000, 1000},
			[]Limit{LimitFileSize, LimitFileSize, LimitFileSize}},
		{"file size exact", func(l *Limits) { l.MaxFileSize = 3000 }, "", []int64{3000, 3000, 3000}, []Limit{"", "", ""}},
		{"scan size", func(l *Limits) { l.MaxScanSize = 7000 }, LimitScanSize, []int64{3000, 3000, 1000},
			[]Limit{"", "", LimitScanSize}},
		{"scan size exact", func(l *Limits) { l.MaxScanSize = 9000 }, "", []int64{3000, 3000, 3000}, []Limit{"", "", ""}},
		{"files", func(l *Limits) { l.MaxFiles = 2 }, LimitFiles, []int64{3000, 3000}, []Limit{"", ""}},
		{"ratio", func(l *Limits) { l.MaxRatio, l.RatioFloor = 2, 100 }, LimitRatio, []int64{3000}, []Limit{LimitRatio}},
		{"no limits", func(l *Limits) { *l = Limits{} }, "", []int64{3000, 3000, 3000}, []Limit{"", "", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lim := DefaultLimits()
			tt.edit(&lim)
			var sizes []int64
			var limits []Limit
			_, err := Walk(context.Background(), Zip, bytes.NewReader(data), int64(len(data)), lim, func(m Member) error {
				sizes = append(sizes, m.Size)
				limits = append(limits, limitOf(m.Err))
				return nil
			})
			if limitOf(err) != tt.wantErr || (tt.wantErr == "" && err != nil) {
				t.Errorf("err = %v, want limit %q", err, tt.wantErr)
			}
			if fmt.Sprint(sizes) != fmt.Sprint(tt.wantSizes) || fmt.Sprint(limits) != fmt.Sprint(tt.wantLimit) {
				t.Errorf("sizes %v limits %q, want %v %q", sizes, limits, tt.wantSizes, tt.wantLimit)
			}
		})
	}
}

func TestLimitErrorMessage(t *testing.T) {
	err := fmt.Errorf("scanning: %w", &LimitError{Limit: LimitFileSize, Member: "x.exe", Max: 10})
	if !strings.Contains(err.Error(), `MaxFileSize 10 (member "x.exe")`) {
		t.Errorf("message %q", err)
	}
}
