package matcher

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/sigtool/sigtool/filetype"
	"github.com/sigtool/sigtool/sigfile"
	"github.com/sigtool/sigtool/unpack"
)

// TestDirectSetDifferential compares Match with the reference on
// signatures at absolute and end-of-file offsets, many of them checked
// directly (directSet), with their instances planted at those offsets:
// several share an offset and a first byte, some have shifts or a first
// byte that is not fixed, some are for HTML (target 3) and the content is
// typed HTML or PDF.
func TestDirectSetDifferential(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 23))
	direct, positives, total := 0, 0, 0
	for it := range 300 {
		var sigs []sigfile.BodySig
		for i := range 2 + r.IntN(10) {
			o := sigfile.Offset{Kind: sigfile.OffAbs, N: int64(r.IntN(4)), MaxShift: sigfile.NoShift}
			if r.IntN(3) == 0 {
				o.Kind, o.N = sigfile.OffEOF, int64(r.IntN(30))
			}
			if r.IntN(4) == 0 {
				o.MaxShift = int64(r.IntN(6))
			}
			target := 0
			if r.IntN(3) == 0 {
				target = 3
			}
			sigs = append(sigs, sigfile.BodySig{Name: fmt.Sprintf("D%d", i), Target: target, Offset: o, Pattern: randPattern(r)})
		}
		var es []sigfile.Entry
		for i := range sigs {
			es = append(es, sigfile.Entry{Kind: sigfile.KindNDB, Body: &sigs[i]})
		}
		m := buildWith(t, defaultChunk, es...)
		direct += m.Stats().Direct
		for range 6 {
			d := directData(r, sigs)
			info := filetype.Info{Type: filetype.PDF}
			if r.IntN(2) == 0 {
				info.Type = filetype.HTML
			}
			var want []string
			for _, s := range sigs {
				if s.Target == 3 && info.Type != filetype.HTML {
					continue
				}
				if lo, hi, ok := refRange(s.Offset, len(d)); ok && refMatch(s.Pattern, d, lo, hi) {
					want = append(want, s.Name)
				}
			}
			total++
			if len(want) > 0 {
				positives++
			}
			res, err := m.Match(context.Background(), unpack.Bytes(d), int64(len(d)), info)
			if err != nil {
				t.Fatal(err)
			}
			if !sameNames(res.Names, want) {
				for _, s := range sigs {
					t.Logf("%s: target %d %s %s", s.Name, s.Target, s.Offset, s.Pattern)
				}
				t.Fatalf("iteration %d, %s, data %q: got %v, want %v", it, info.Type, d, res.Names, want)
			}
		}
	}
	// Without direct patterns and matches this would prove nothing.
	if direct < 300 || positives < total/5 {
		t.Errorf("%d directly checked patterns, %d of %d cases matched", direct, positives, total)
	}
	t.Logf("%d directly checked patterns, %d of %d cases matched", direct, positives, total)
}

// directData is random data of up to 40 bytes with instances of some of
// sigs planted where their offsets start.
func directData(r *rand.Rand, sigs []sigfile.BodySig) []byte {
	d := make([]byte, r.IntN(40))
	for i := range d {
		d[i] = randByte(r)
	}
	for range 1 + r.IntN(3) {
		s := &sigs[r.IntN(len(sigs))]
		inst := plant(r, s.Pattern)
		at := int(s.Offset.N)
		if s.Offset.Kind == sigfile.OffEOF {
			at = max(0, len(d)-int(s.Offset.N))
		}
		if s.Offset.MaxShift > 0 {
			at += r.IntN(int(s.Offset.MaxShift) + 1)
		}
		for len(d) < at+len(inst) {
			d = append(d, randByte(r))
		}
		copy(d[at:], inst)
	}
	return d
}

// TestOneStart: only offsets that name one position are keyed by their
// first byte; VI (every key of the version information) and SEx (a whole
// section) start at many positions with no shift, and keying them by the
// first one missed a VI pattern at the second key (difftest's
// TestVersionInfo, beside clamscan).
func TestOneStart(t *testing.T) {
	for _, tc := range []struct {
		off  sigfile.Offset
		want bool
	}{
		{sigfile.Offset{Kind: sigfile.OffAbs, N: 4, MaxShift: sigfile.NoShift}, true},
		{sigfile.Offset{Kind: sigfile.OffAbs, N: 4, MaxShift: 3}, false},
		{sigfile.Offset{Kind: sigfile.OffEOF, N: 10, MaxShift: sigfile.NoShift}, true},
		{sigfile.Offset{Kind: sigfile.OffEP, N: 0, MaxShift: sigfile.NoShift}, true},
		{sigfile.Offset{Kind: sigfile.OffSection, Section: 1, MaxShift: sigfile.NoShift}, true},
		{sigfile.Offset{Kind: sigfile.OffLastSection, MaxShift: sigfile.NoShift}, true},
		{sigfile.Offset{Kind: sigfile.OffVersionInfo, MaxShift: sigfile.NoShift}, false},
		{sigfile.Offset{Kind: sigfile.OffSectionWhole, Section: 1, MaxShift: sigfile.NoShift}, false},
		{sigfile.Offset{Kind: sigfile.OffAny, MaxShift: sigfile.NoShift}, false},
	} {
		if got := oneStart(tc.off); got != tc.want {
			t.Errorf("oneStart(%s) = %v, want %v", tc.off, got, tc.want)
		}
	}
}
