package unpack

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/ulikunitz/xz/lzma"
)

// nrv2bWriter writes UCL's NRV2B bit stream: 32-bit little-endian words of
// bits, most significant first, interleaved with literal and offset bytes.
type nrv2bWriter struct {
	out   []byte
	word  int // where the current bit word sits in out
	nbits int
}

func (w *nrv2bWriter) bit(b uint32) {
	if w.nbits == 0 {
		w.word = len(w.out)
		w.out = append(w.out, 0, 0, 0, 0)
		w.nbits = 32
	}
	w.nbits--
	v := binary.LittleEndian.Uint32(w.out[w.word:])
	binary.LittleEndian.PutUint32(w.out[w.word:], v|b<<w.nbits)
}

// gamma writes v >= 2 as NRV2B does: the bits after the leading 1, each
// followed by 1 on the last and 0 before it.
func (w *nrv2bWriter) gamma(v uint32) {
	n := 0
	for v>>n > 1 {
		n++
	}
	for i := n - 1; i >= 0; i-- {
		w.bit(v >> i & 1)
		if i == 0 {
			w.bit(1)
		} else {
			w.bit(0)
		}
	}
}

// nrv2b compresses data with literals and matches of 2 to 4 bytes within
// 0xd00 bytes, then the end marker.
func nrv2b(data []byte) []byte { return nrvEncode(nrvB, data) }

// code2 writes v >= 2 as NRV2D and NRV2E read an offset code: two bits a
// step, 2(v-1)+b after each 0.
func (w *nrv2bWriter) code2(v uint32) {
	w.prefix2(v >> 1)
	w.bit(v & 1)
	w.bit(1)
}

func (w *nrv2bWriter) prefix2(s uint32) {
	if s == 1 {
		return
	}
	t := s>>1 + 1
	w.prefix2(t >> 1)
	w.bit(t & 1)
	w.bit(0)
	w.bit(s & 1)
}

// nrvEncode compresses data in a method's stream with literals and
// matches of 2 to 4 bytes (NRV2B) or 2 to 5 (NRV2D, NRV2E, within 0x500
// bytes, where the lengths need no gamma code), then the end marker.
func nrvEncode(method nrvMethod, data []byte) []byte {
	var w nrv2bWriter
	maxLen, window := 4, 0xd00
	if method != nrvB {
		window = 0x500
	}
	if method == nrvE {
		maxLen = 5
	}
	for i := 0; i < len(data); {
		best, bestOff := 0, 0
		for off := 1; off <= i && off <= window; off++ {
			l := 0
			for l < maxLen && i+l < len(data) && data[i+l] == data[i+l-off] {
				l++
			}
			if l > best {
				best, bestOff = l, off
			}
		}
		if best < 2 {
			w.bit(1)
			w.out = append(w.out, data[i])
			i++
			continue
		}
		w.bit(0)
		m := uint32(best - 1) // what the stream codes: the length less one
		switch method {
		case nrvB:
			w.gamma(uint32((bestOff-1)>>8) + 3)
			w.out = append(w.out, byte(bestOff-1))
			w.bit(m >> 1)
			w.bit(m & 1)
		case nrvD:
			x := uint32(bestOff-1)<<1 | (1 - m>>1) // the low bit: the length's first, inverted
			w.code2(x>>8 + 3)
			w.out = append(w.out, byte(x))
			w.bit(m & 1)
		case nrvE:
			// Lengths 2 and 3: the low bit 1 then a bit; 4 and 5: 0, then
			// 1 and a bit.
			long := uint32(0)
			if best >= 4 {
				long = 1
			}
			x := uint32(bestOff-1)<<1 | long
			w.code2(x>>8 + 3)
			w.out = append(w.out, byte(x))
			if long == 0 {
				w.bit(uint32(best - 2))
			} else {
				w.bit(1)
				w.bit(uint32(best - 4))
			}
		}
		i += best
	}
	w.bit(0)
	if method == nrvB {
		w.gamma(0x1000002)
	} else {
		w.code2(0x1000002)
	}
	w.out = append(w.out, 0xff)
	return w.out
}

// upxPacked is a PE with UPX0 and UPX1 sections, a pack header and the
// image compressed with method.
func upxPacked(image []byte, method byte) []byte {
	var comp []byte
	switch method {
	case upxMethodNRV2D:
		comp = nrvEncode(nrvD, image)
	case upxMethodNRV2E:
		comp = nrvEncode(nrvE, image)
	case upxMethodLZMA:
		comp = upxLZMA(image)
	default:
		comp = nrv2b(image)
	}
	pe := make([]byte, 0x400)
	copy(pe, "MZ")
	binary.LittleEndian.PutUint32(pe[0x3c:], 0x80)
	copy(pe[0x80:], "PE\x00\x00")
	binary.LittleEndian.PutUint16(pe[0x86:], 2)
	sec := pe[0x80+24:]
	copy(sec, "UPX0")
	copy(sec[40:], "UPX1")
	binary.LittleEndian.PutUint32(sec[40+16:], uint32(len(comp)))
	binary.LittleEndian.PutUint32(sec[40+20:], 0x400)
	h := pe[0x3e0:]
	copy(h, "UPX!")
	h[4], h[5], h[6], h[7] = 13, 9, method, 8
	binary.LittleEndian.PutUint32(h[16:], uint32(len(image)))
	binary.LittleEndian.PutUint32(h[20:], uint32(len(comp)))
	return append(pe, comp...)
}

func TestNRV(t *testing.T) {
	for _, method := range []nrvMethod{nrvB, nrvD, nrvE} {
		for _, data := range [][]byte{
			[]byte("a"),
			[]byte("abababababcdcdcdcd repeated repeated repeated"),
			bytes.Repeat([]byte("0123456789"), 600),
			bytes.Repeat([]byte("far apart: the offsets need more than one byte, "), 100),
		} {
			got, err := unNRV(method, nrvEncode(method, data), len(data))
			if err != nil || !bytes.Equal(got, data) {
				t.Errorf("method %d, %d bytes: got %d, %v", method, len(data), len(got), err)
			}
		}
		comp := nrvEncode(method, []byte("some data to cut short"))
		if _, err := unNRV(method, comp[:len(comp)-3], 100); err == nil {
			t.Errorf("method %d, cut stream: no error", method)
		}
		// A bomb's output stops at the size the pack header gives.
		bomb := nrvEncode(method, make([]byte, 8<<10))
		if out, err := unNRV(method, bomb, 1000); err == nil || len(out) > 1000 {
			t.Errorf("method %d, 8 KiB into 1000 bytes: %d bytes, %v", method, len(out), err)
		}
	}
}

// upxLZMA compresses data as UPX's LZMA method stores it: UPX's two
// header bytes (lc 3, lp 0, pb 2), then the raw stream.
func upxLZMA(data []byte) []byte {
	var buf bytes.Buffer
	w, err := lzma.WriterConfig{Properties: &lzma.Properties{LC: 3, LP: 0, PB: 2}, DictCap: 1 << 16, Size: int64(len(data))}.NewWriter(&buf)
	if err != nil {
		panic(err)
	}
	w.Write(data)
	w.Close()
	return append([]byte{2 << 3, 3<<3 | 3}, buf.Bytes()[13:]...)
}

func TestUPXLZMA(t *testing.T) {
	data := bytes.Repeat([]byte("lzma in a UPX stub "), 500)
	got, err := unUPXLZMA(upxLZMA(data), len(data))
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("got %d bytes, %v", len(got), err)
	}
	comp := upxLZMA(data)
	if got, err := unUPXLZMA(comp[:len(comp)/2], len(data)); err == nil {
		t.Errorf("cut stream: %d bytes, no error", len(got))
	}
}

func TestUPX(t *testing.T) {
	inner := peWithOverlay(nil)
	image := append(append(bytes.Repeat([]byte("code "), 200), inner...), "trailing data"...)
	for _, method := range []byte{upxMethodNRV2B, upxMethodNRV2D, upxMethodNRV2E, upxMethodLZMA} {
		exe := upxPacked(image, method)
		if f := Identify(exe); f != UPX {
			t.Fatalf("Identify = %s", f)
		}
		members, _, err := walkAll(t, UPX, exe, DefaultLimits())
		if err != nil || len(members) != 2 {
			t.Fatalf("method %d: %v %+v", method, err, members)
		}
		if members[0].name != "upx-image" || members[0].data != string(image) {
			t.Errorf("method %d, image: %q, %d bytes", method, members[0].name, len(members[0].data))
		}
		if members[1].name != "upx-image/pe-1000" || members[1].data != string(inner) {
			t.Errorf("method %d, embedded PE: %q, %d bytes", method, members[1].name, len(members[1].data))
		}
	}
}

// TestUPXTestFile: clamav-testfiles' clam.ea06.exe (read at test time) is
// packed with UPX's NRV2E; its image holds the AutoIt interpreter.
func TestUPXTestFile(t *testing.T) {
	exe, err := os.ReadFile("/usr/share/clamav-testfiles/clam.ea06.exe")
	if err != nil {
		t.Skipf("clamav-testfiles: %v", err)
	}
	u, err := readUPXInfo(bytes.NewReader(exe), int64(len(exe)))
	if err != nil || u.method != upxMethodNRV2E {
		t.Fatalf("pack header: %+v, %v", u, err)
	}
	members, _, err := walkAll(t, UPX, exe, DefaultLimits())
	if err != nil || len(members) == 0 || members[0].err != nil || int64(len(members[0].data)) != u.uLen {
		t.Fatalf("%v %+v", err, members)
	}
	if !strings.Contains(members[0].data, "AutoIt") {
		t.Error("the image does not hold the AutoIt interpreter")
	}
}

// TestUPXDamaged: a cut stream gives the image so far, reported; methods
// not implemented are unsupported; a PE naming UPX sections without a
// pack header is a container we cannot open; an image claiming 4 GiB is
// over the limit before anything is allocated.
func TestUPXDamaged(t *testing.T) {
	exe := upxPacked(bytes.Repeat([]byte("abc"), 300), upxMethodNRV2B)
	members, _, _ := walkAll(t, UPX, exe[:len(exe)-6], DefaultLimits())
	if len(members) != 1 || !errors.Is(members[0].err, ErrCorrupt) {
		t.Errorf("cut: %+v", members)
	}
	if _, _, err := walkAll(t, UPX, upxPacked([]byte("x"), 99), DefaultLimits()); !errors.Is(err, ErrUnsupported) {
		t.Errorf("method 99: %v", err)
	}
	noHeader := bytes.Clone(exe)
	copy(noHeader[0x3e0:], "XXXX")
	if _, _, err := walkAll(t, UPX, noHeader, DefaultLimits()); !errors.Is(err, ErrNoUnpacker) {
		t.Errorf("no pack header: %v", err)
	}
	huge := bytes.Clone(exe)
	binary.LittleEndian.PutUint32(huge[0x3e0+16:], 0xffffffff)
	if _, _, err := walkAll(t, UPX, huge, DefaultLimits()); limitOf(err) != LimitFileSize {
		t.Errorf("4 GiB image: %v", err)
	}
}

func FuzzNRV(f *testing.F) {
	for _, m := range []nrvMethod{nrvB, nrvD, nrvE} {
		f.Add(byte(m), nrvEncode(m, []byte("seed seed seed seed")))
	}
	f.Fuzz(func(t *testing.T, m byte, data []byte) {
		if out, _ := unNRV(nrvMethod(m%3), data, 1<<16); len(out) > 1<<16 {
			t.Fatalf("%d bytes past the bound", len(out))
		}
	})
}

func FuzzUPXLZMA(f *testing.F) {
	f.Add(upxLZMA([]byte("seed seed seed seed")))
	f.Fuzz(func(t *testing.T, data []byte) {
		if out, _ := unUPXLZMA(data, 1<<16); len(out) > 1<<16 {
			t.Fatalf("%d bytes past the bound", len(out))
		}
	})
}

func FuzzWalkUPX(f *testing.F) {
	for _, m := range []byte{upxMethodNRV2B, upxMethodNRV2D, upxMethodNRV2E, upxMethodLZMA} {
		f.Add(upxPacked(append([]byte("code"), peWithOverlay(nil)...), m))
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzWalk(t, UPX, data) })
}
