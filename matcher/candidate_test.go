package matcher

import (
	"bytes"
	"context"
	"testing"

	"github.com/sigtool/sigtool/sigfile"
	"github.com/sigtool/sigtool/unpack"
)

// TestCandidatesDoNotAllocate scans data on which every probe of every
// tier passes and every candidate is verified and fails (the anchors are
// everywhere, the rest of each pattern nowhere), or is rejected by its
// offset, its target or because its signature is decided: once the pooled
// state has grown, a Detect allocates nothing per candidate.
func TestCandidatesDoNotAllocate(t *testing.T) {
	m := buildWith(t, defaultChunk,
		entry(t, sigfile.KindNDB, "Near:0:*:41414141414141414141{0-20}4243"),             // bounded gap, main tier
		entry(t, sigfile.KindNDB, "Far:0:*:414141414141*4243"),                           // unbounded gap
		entry(t, sigfile.KindNDB, "Left:0:*:4243{-30}4141414141414141"),                  // anchor right of a gap
		entry(t, sigfile.KindNDB, "Short:0:*:4141??4243"),                                // 3-gram tier
		entry(t, sigfile.KindNDB, "Abs:0:100:4141414141414141"),                          // gated: one position
		entry(t, sigfile.KindNDB, "PE:1:*:4141414141414141"),                             // wrong target
		entry(t, sigfile.KindNDB, "Found:0:*:41414141414141"),                            // found at once, then done
		entry(t, sigfile.KindLDB, "L;Target:0;0>3|1;4141414141414141;4141414141{2}4344"), // counts to its cap
	)
	want := []string{"Abs", "Found", "L"}
	allocs := func(n int) float64 {
		data := bytes.Repeat([]byte{'A'}, n)
		if got := detect(t, m, data); !sameNames(got, want) {
			t.Fatalf("%d bytes: got %v, want %v", n, got, want)
		}
		return testing.AllocsPerRun(3, func() {
			got, err := m.Detect(context.Background(), unpack.Bytes(data), int64(len(data)))
			if err != nil || !sameNames(got, want) {
				t.Fatalf("got %v %v", got, err)
			}
		})
	}
	// What a Detect allocates is its result, the same for 16 times as
	// many candidates. The verdicts above are checked under -race too.
	small, large := allocs(16<<10), allocs(256<<10)
	if raceEnabled {
		t.Log("allocation counts not compared under the race detector")
		return
	}
	if large > small {
		t.Errorf("%v allocations per Detect of 16 KiB of candidates, %v for 256 KiB", small, large)
	}
}
