package unpack

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
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
func nrv2b(data []byte) []byte {
	var w nrv2bWriter
	for i := 0; i < len(data); {
		best, bestOff := 0, 0
		for off := 1; off <= i && off <= 0xd00; off++ {
			l := 0
			for l < 4 && i+l < len(data) && data[i+l] == data[i+l-off] {
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
		w.gamma(uint32((bestOff-1)>>8) + 3)
		w.out = append(w.out, byte(bestOff-1))
		m := uint32(best - 1) // 1..3
		w.bit(m >> 1)
		w.bit(m & 1)
		i += best
	}
	w.bit(0)
	w.gamma(0x1000002)
	w.out = append(w.out, 0xff)
	return w.out
}

// upxPacked is a PE with UPX0 and UPX1 sections, a pack header and the
// image compressed with method.
func upxPacked(image []byte, method byte) []byte {
	comp := nrv2b(image)
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

func TestNRV2B(t *testing.T) {
	for _, data := range [][]byte{
		[]byte("a"),
		[]byte("abababababcdcdcdcd repeated repeated repeated"),
		bytes.Repeat([]byte("0123456789"), 600),
	} {
		got, err := unNRV2B(nrv2b(data), len(data))
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("%d bytes: got %d, %v", len(data), len(got), err)
		}
	}
	comp := nrv2b([]byte("some data to cut short"))
	if _, err := unNRV2B(comp[:len(comp)-3], 100); err == nil {
		t.Error("cut stream: no error")
	}
}

func TestUPX(t *testing.T) {
	inner := peWithOverlay(nil)
	image := append(append(bytes.Repeat([]byte("code "), 200), inner...), "trailing data"...)
	exe := upxPacked(image, upxMethodNRV2B)
	if f := Identify(exe); f != UPX {
		t.Fatalf("Identify = %s", f)
	}
	members, _, err := walkAll(t, UPX, exe, DefaultLimits())
	if err != nil || len(members) != 2 {
		t.Fatalf("%v %+v", err, members)
	}
	if members[0].name != "upx-image" || members[0].data != string(image) {
		t.Errorf("image: %q, %d bytes", members[0].name, len(members[0].data))
	}
	if members[1].name != "upx-image/pe-1000" || members[1].data != string(inner) {
		t.Errorf("embedded PE: %q, %d bytes", members[1].name, len(members[1].data))
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
	if _, _, err := walkAll(t, UPX, upxPacked([]byte("x"), 8), DefaultLimits()); !errors.Is(err, ErrUnsupported) {
		t.Errorf("NRV2E: %v", err)
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

func FuzzNRV2B(f *testing.F) {
	f.Add(nrv2b([]byte("seed seed seed seed")))
	f.Fuzz(func(t *testing.T, data []byte) { unNRV2B(data, 1<<16) })
}

func FuzzWalkUPX(f *testing.F) {
	f.Add(upxPacked(append([]byte("code"), peWithOverlay(nil)...), upxMethodNRV2B))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzWalk(t, UPX, data) })
}
