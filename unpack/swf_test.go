package unpack

import (
	"bytes"
	"testing"

	"github.com/sigtool/sigtool/internal/swfbuild"
)

func TestSWF(t *testing.T) {
	fws := swfbuild.FWS(10, swfbuild.Tag{Code: swfbuild.TagDoABC, Body: []byte("abc code: swf test mark")})
	for _, tc := range []struct {
		name string
		data []byte
	}{{"CWS", swfbuild.CWS(fws)}, {"ZWS", swfbuild.ZWS(fws)}} {
		t.Run(tc.name, func(t *testing.T) {
			if bytes.Contains(tc.data, []byte("swf test mark")) {
				t.Fatal("the compressed file holds the mark as it is")
			}
			if f := Identify(tc.data); f != SWF {
				t.Fatalf("Identify = %s", f)
			}
			ms, info, err := walkAll(t, SWF, tc.data, DefaultLimits())
			if err != nil || len(ms) != 1 || info.MemberCount != 1 {
				t.Fatalf("%v, %d members", err, len(ms))
			}
			if m := ms[0]; m.name != "decompressed.swf" || m.data != string(fws) || m.err != nil {
				t.Fatalf("member %q (%v): %q, want the FWS file", m.name, m.err, m.data)
			}
		})
	}
	// An uncompressed file has nothing inside.
	if ms, _, err := walkAll(t, SWF, fws, DefaultLimits()); err != nil || len(ms) != 0 {
		t.Errorf("FWS: %v, %d members", err, len(ms))
	}
	// A cut stream gives what decoded, with the error.
	cws := swfbuild.CWS(swfbuild.FWS(10, swfbuild.Tag{Code: swfbuild.TagDoABC, Body: bytes.Repeat([]byte("0123456789abcdef"), 4096)}))
	ms, _, _ := walkAll(t, SWF, cws[:len(cws)/2], DefaultLimits())
	if len(ms) != 1 || ms[0].err == nil || len(ms[0].data) < 1000 || !bytes.HasPrefix([]byte(ms[0].data), []byte("FWS\x0a")) {
		t.Errorf("cut CWS: %+v", ms)
	}
}

// TestSWFBomb: a CWS file of zeros stops at the ratio limit, as every
// compressed member does (the floor lowered to keep the bomb small).
func TestSWFBomb(t *testing.T) {
	cws := swfbuild.CWS(swfbuild.FWS(10, swfbuild.Tag{Code: swfbuild.TagDoABC, Body: make([]byte, 4<<20)}))
	lim := DefaultLimits()
	lim.RatioFloor = 1 << 20
	ms, _, err := walkAll(t, SWF, cws, lim)
	if len(ms) != 1 || limitOf(ms[0].err) != LimitRatio {
		t.Fatalf("no ratio limit: %v, %d members", err, len(ms))
	}
}

func FuzzWalkSWF(f *testing.F) {
	fws := swfbuild.FWS(10, swfbuild.Tag{Code: swfbuild.TagDoABC, Body: []byte("seed")})
	f.Add(fws)
	f.Add(swfbuild.CWS(fws))
	f.Add(swfbuild.ZWS(fws))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzWalk(t, SWF, data) })
}
