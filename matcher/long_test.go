package matcher

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// TestLongFilter checks that a main-tier entry's key is the one its part
// allows and that the probe of a true match passes the filter, wherever
// the gram lies in the part; and that the filter rejects other bytes.
func TestLongFilter(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name string
		part string // x: a fixed byte, .: "??"
		off  int    // the gram's offset in the part
		want uint64 // the key's kind
	}{
		{"start of a long part", "xxxxxxxxxxxxxxxxxxxx", 0, longAfter},
		{"middle", "xxxxxxxxxxxxxxxxxxxx", 7, longAfter},
		{"end of a long part", "xxxxxxxxxxxxxxxxxxxx", 16, longAround},
		{"8 fixed bytes", "xxxxxxxx", 0, longAfter},
		{"short part", "xxxxxxx", 2, longGram},
		{"gap after the gram", "xxxxxxxxxx..xxxxxxx", 4, longAround},
		{"gap on both sides", "xx.xxxxxxxx.x", 4, longGram},
		{"case folding after", "xxxxxxxxxxxxAxxx", 8, longAround},
		{"case folding", "xxxxxAxxxxxxxxxx", 1, longGram},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lit := make([]byte, len(tc.part))
			cl := make([]byteClass, 0, 2*gramPad+len(tc.part))
			anyClass := byteClass{}
			anyClass.all()
			for range gramPad {
				cl = append(cl, anyClass)
			}
			for k, c := range tc.part {
				lit[k] = byte(r.Uint32())
				var b byteClass
				switch c {
				case 'x':
					b.add(lit[k])
				case 'A': // a letter either case
					lit[k] = 'q'
					b.add('q')
					b.add('Q')
				default:
					b = anyClass
				}
				cl = append(cl, b)
			}
			for range gramPad {
				cl = append(cl, anyClass)
			}
			j := gramPad + tc.off
			g := binary.LittleEndian.Uint32(lit[tc.off:])
			k := longKeyOf(cl, j)
			if k.kind != tc.want {
				t.Fatalf("key kind %x, want %x", k.kind, tc.want)
			}
			f := newLongFilter(1)
			f.addEntry(k, g)
			for range 50 {
				buf := make([]byte, 64)
				for k := range buf {
					buf[k] = byte(r.Uint32())
				}
				at := 8 + r.IntN(32)
				for k := range lit {
					if tc.part[k] != '.' {
						buf[at+k] = lit[k]
					}
				}
				if !f.pass(buf, at+tc.off) {
					t.Fatalf("a match at %d does not pass: %x", at, buf)
				}
			}
			other := 0
			for range 1000 {
				buf := make([]byte, 16)
				for k := range buf {
					buf[k] = byte(r.Uint32())
				}
				if f.pass(buf, 4) {
					other++
				}
			}
			if other > 5 {
				t.Errorf("%d of 1000 random probes pass a filter of one key", other)
			}
		})
	}
}
