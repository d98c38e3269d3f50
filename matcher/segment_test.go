package matcher

import (
	"context"
	"reflect"
	"testing"

	"github.com/sigtool/sigtool/sigfile"
)

// TestSegments runs the matcher's tests with every database spread over
// several Segments: verdicts must not depend on how signatures are split
// (allow lists and ignore lists act across segments).
func TestSegments(t *testing.T) {
	defer func(n int) { splitInto = n }(splitInto)
	for _, n := range []int{2, 3} {
		splitInto = n
		t.Run(string(rune('0'+n)), func(t *testing.T) {
			t.Run("Constructs", TestConstructs)
			t.Run("Differential", TestDifferential)
			t.Run("Generated", TestGenerated)
			t.Run("LargeGaps", TestLargeGaps)
			t.Run("Logical", TestLogical)
			t.Run("LogicalPE", TestLogicalPE)
			t.Run("Hashes", TestHashes)
			t.Run("SectionHashes", TestSectionHashes)
			t.Run("AllowAndIgnore", TestAllowAndIgnore)
			t.Run("IgnoreByLineMD5", TestIgnoreByLineMD5)
		})
	}
}

// TestCombineStats: a database split into segments counts what one
// Builder counts, and a Segment shared by two Matchers serves both.
func TestCombineStats(t *testing.T) {
	var es []sigfile.Entry
	genBodySigs(3000, 7, func(_ string, e sigfile.Entry) { es = append(es, e) })
	genHashSigs(3000, 8, func(_ string, e sigfile.Entry) { es = append(es, e) })
	es = append(es, entry(t, sigfile.KindIGN2, "Sigtool.Gen.Body-0000001"))

	defer func(n int) { splitInto = n }(splitInto)
	splitInto = 1
	want := buildWith(t, 0, es...).Stats()
	splitInto = 4
	got := buildWith(t, 0, es...).Stats()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("stats of 4 segments:\n%+v\nof one builder:\n%+v", got, want)
	}
	if want.Ignored != 1 || want.BodySigs != 2999 {
		t.Fatalf("ignore list not applied: %+v", want)
	}

	ctx := context.Background()
	seg := func(lines ...string) *Segment {
		b := NewBuilder()
		for _, l := range lines {
			if err := b.Add(entry(t, sigfile.KindNDB, l)); err != nil {
				t.Fatal(err)
			}
		}
		s, err := b.BuildSegment(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	shared := seg("Shared:0:*:73686172656462797465")
	a, err := Combine(ctx, shared, seg("OnlyA:0:*:6f6e6c79616f6e6c7961"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Combine(ctx, seg("OnlyB:0:*:6f6e6c79626f6e6c7962"), shared)
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("..sharedbyte..onlyaonlya..onlybonlyb..")
	if got := detect(t, a, data); !sameNames(got, []string{"OnlyA", "Shared"}) {
		t.Errorf("matcher a: %v", got)
	}
	if got := detect(t, b, data); !sameNames(got, []string{"OnlyB", "Shared"}) {
		t.Errorf("matcher b: %v", got)
	}
}
