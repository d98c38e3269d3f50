package unpack

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand"
	"strings"
	"testing"
)

// buildSZDD compresses data as COMPRESS.EXE does: greedy LZSS matches of
// 3 to 18 bytes back into the 4 KiB window, a leading run of spaces
// taken from the window's initial spaces.
func buildSZDD(data []byte, missing byte) []byte {
	out := append([]byte(nil), magicSZDD...)
	out = append(out, 'A', missing)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(data)))
	var group []byte
	ctrl, bit := byte(0), 0
	flush := func() {
		out = append(out, ctrl)
		out = append(out, group...)
		ctrl, bit, group = 0, 0, group[:0]
	}
	wpos := szddWindow - 16
	for i := 0; i < len(data); {
		bestLen, bestPos := 0, 0
		for d := 1; d <= i && d < szddWindow-18; d++ {
			l := 0
			for l < 18 && i+l < len(data) && data[i+l] == data[i+l-d] {
				l++
			}
			if l > bestLen {
				bestLen, bestPos = l, (wpos-d)&(szddWindow-1)
			}
		}
		if i == 0 {
			l := 0
			for l < 18 && l < len(data) && data[l] == ' ' {
				l++
			}
			if l >= 3 {
				bestLen, bestPos = l, 0
			}
		}
		if bestLen >= 3 {
			group = append(group, byte(bestPos), byte(bestPos>>4&0xf0)|byte(bestLen-3))
		} else {
			ctrl |= 1 << bit
			group = append(group, data[i])
			bestLen = 1
		}
		i += bestLen
		wpos = (wpos + bestLen) & (szddWindow - 1)
		if bit++; bit == 8 {
			flush()
		}
	}
	if bit > 0 {
		flush()
	}
	return out
}

func TestSZDD(t *testing.T) {
	noise := make([]byte, 5000)
	rand.New(rand.NewSource(5)).Read(noise)
	for _, data := range [][]byte{
		nil,
		[]byte("     spaces first, then text text text text"),
		[]byte(strings.Repeat("MZ compressed program ", 300)),
		append(append(noise[:4500:4500], "abcabcabcabc"...), noise[:4000]...),
	} {
		z := buildSZDD(data, 'e')
		if f := Identify(z); f != Szdd {
			t.Fatalf("Identify = %s", f)
		}
		members, _, err := walkAll(t, Szdd, z, DefaultLimits())
		if err != nil || len(members) != 1 || members[0].err != nil || members[0].data != string(data) {
			t.Errorf("%d bytes: %v %+v", len(data), err, members)
		}
	}
	if got := StreamName("dir/clam.exe.szdd"); got != "clam.exe" {
		t.Errorf("StreamName = %q", got)
	}
}

// TestSZDDDamaged: data that ends before the size in the header gives a
// corrupt member with what it had; a header claiming 4 GiB over a few
// bytes reads what there is.
func TestSZDDDamaged(t *testing.T) {
	z := buildSZDD([]byte(strings.Repeat("some text ", 100)), 't')
	binary.LittleEndian.PutUint32(z[10:], 0xffffffff)
	members, _, _ := walkAll(t, Szdd, z, DefaultLimits())
	if len(members) != 1 || !errors.Is(members[0].err, ErrCorrupt) || !strings.HasPrefix(members[0].data, "some text") {
		t.Errorf("%+v", members)
	}
	bad := bytes.Clone(z)
	bad[8] = 'B'
	if _, _, err := walkAll(t, Szdd, bad, DefaultLimits()); !errors.Is(err, ErrUnsupported) {
		t.Errorf("mode B: %v", err)
	}
}

func FuzzWalkSZDD(f *testing.F) {
	f.Add(buildSZDD([]byte("   seed seed seed seed"), 'x'))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzWalk(t, Szdd, data) })
}
