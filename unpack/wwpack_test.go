package unpack

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

// wwWriter writes WWPack's stream as the decoder reads it: bits into
// 32-bit little-endian words, most significant first, a word's place
// taken as soon as the one before is full, literal bytes where the
// decoder is when it reads them.
type wwWriter struct {
	out  []byte
	word int // where the current word goes
	n    uint
	cur  uint32
}

func newWWWriter() *wwWriter { return &wwWriter{out: make([]byte, 4)} }

func (w *wwWriter) put(v uint32, n uint) {
	for i := int(n) - 1; i >= 0; i-- {
		w.cur = w.cur<<1 | v>>uint(i)&1
		w.n++
		if w.n == 32 {
			binary.LittleEndian.PutUint32(w.out[w.word:], w.cur)
			w.word, w.n, w.cur = len(w.out), 0, 0
			w.out = append(w.out, 0, 0, 0, 0)
		}
	}
}

func (w *wwWriter) literal(b byte) { w.put(0, 1); w.out = append(w.out, b) }

func (w *wwWriter) bytes() []byte {
	if w.n > 0 {
		binary.LittleEndian.PutUint32(w.out[w.word:], w.cur<<(32-w.n))
	}
	for len(w.out)%4 != 0 {
		w.out = append(w.out, 0)
	}
	return w.out
}

// buildWWPack writes a PE whose ".text" is comp, a WWPack32 block that
// decompresses in place, and whose last section is the loader's.
func buildWWPack(comp []byte) []byte {
	b := testPE32(0x800, 0x2000,
		testSection{".text", 0x1000, 0x1000, 0x200, 0x200},
		testSection{".WWP32", 0x1000, 0x2000, 0x400, 0x400})
	copy(b[0x200:0x400], comp)
	ws := b[0x400:]
	copy(ws, wwEntryCode)
	copy(ws[0x68:], wwEntryMore)
	binary.LittleEndian.PutUint32(ws[wwEntryAt:], 0x10)
	e := ws[wwBlocksAt:]
	binary.LittleEndian.PutUint32(e, 0x1000) // source: 0x2000 - 0x1000
	binary.LittleEndian.PutUint32(e[8:], uint32(len(comp)/4))
	binary.LittleEndian.PutUint32(e[12:], uint32(len(comp)-4))
	return b
}

// wwSample is a stream using every code, and what it decompresses to.
func wwSample() ([]byte, []byte) {
	w := newWWWriter()
	var want []byte
	lit := func(s []byte) {
		for _, c := range s {
			w.literal(c)
		}
		want = append(want, s...)
	}
	back := func(dist, n int) {
		for ; n > 0; n-- {
			want = append(want, want[len(want)-dist])
		}
	}
	pattern := make([]byte, 300)
	for i := range pattern {
		pattern[i] = byte(i*7 + i/13)
	}
	lit(pattern)
	// Two bytes from 300 back: class 2, 8 bits, 97 + 203.
	w.put(1, 1)
	w.put(3, 2)
	w.put(2, 2)
	w.put(203, 8)
	back(300, 2)
	// Four bytes (kind 2) from 5 back: width 5, 1 + 4.
	w.put(1, 1)
	w.put(2, 2)
	w.put(0, 3)
	w.put(4, 5)
	back(5, 4)
	// Six bytes from 60 back: width 6, 33 + 27; length 5 + 1.
	w.put(1, 1)
	w.put(0, 2)
	w.put(1, 3)
	w.put(27, 6)
	w.put(0, 1)
	w.put(1, 1)
	back(60, 6)
	// Ten bytes from 200 back: width 7, 97 + 103; length 6 + 4.
	w.put(1, 1)
	w.put(0, 2)
	w.put(2, 3)
	w.put(103, 7)
	w.put(1, 1)
	w.put(4, 3)
	back(200, 10)
	// Forty bytes from 250 back: width 8 (class 3, bit 0), 225 + 25;
	// length 29 + 11 after the codes of 3 and 4 zero bits.
	w.put(1, 1)
	w.put(0, 2)
	w.put(3, 3)
	w.put(0, 1)
	w.put(25, 8)
	w.put(1, 1)
	w.put(0, 3)
	w.put(0, 4)
	w.put(1, 1)
	w.put(11, 5)
	back(250, 40)
	lit([]byte("the end"))
	w.put(1, 1) // end: 0x1ff in 9 bits
	w.put(3, 2)
	w.put(3, 2)
	w.put(0x1ff, 9)
	return w.bytes(), want
}

func TestWWPack(t *testing.T) {
	comp, want := wwSample()
	file := buildWWPack(comp)
	if f := IdentifyReader(file[:HeadSize], Bytes(file), int64(len(file))); f != WWPack {
		t.Fatalf("IdentifyReader = %s", f)
	}
	members, _, err := walkAll(t, WWPack, file, DefaultLimits())
	if err != nil || len(members) == 0 || members[0].name != "wwpack-image" {
		t.Fatalf("%v %+v", err, members)
	}
	img := []byte(members[0].data)
	if len(img) != 0x2000 {
		t.Fatalf("image of %d bytes", len(img))
	}
	if got := img[0x1000 : 0x1000+len(want)]; !bytes.Equal(got, want) {
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf(".text differs from byte %d: % x, want % x", i, got[i:min(i+16, len(got))], want[i:min(i+16, len(want))])
			}
		}
	}
	p, ok := parsePE(img)
	if !ok || p.nsec != 1 || p.entry != 0x2000+0x10+0x299 || p.sections[0].raw != 0x1000 || p.sections[0].rawSize != 0x1000 {
		t.Errorf("headers: %+v", p)
	}
	// Cut before the end code: corrupt, never the packed file as clean.
	cut := buildWWPack(comp[:len(comp)-8])
	if _, _, err := walkAll(t, WWPack, cut, DefaultLimits()); !errors.Is(err, ErrCorrupt) {
		t.Errorf("cut stream: %v", err)
	}
	// A copy from before the image's start.
	w := newWWWriter()
	w.put(1, 1)
	w.put(2, 2)
	w.put(7, 3)
	w.put(0x7fff, 15)
	if _, _, err := walkAll(t, WWPack, buildWWPack(w.bytes()), DefaultLimits()); !errors.Is(err, ErrCorrupt) {
		t.Errorf("copy before the start: %v", err)
	}
}

func FuzzWalkWWPack(f *testing.F) {
	comp, _ := wwSample()
	f.Add(buildWWPack(comp))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzWalk(t, WWPack, data) })
}
