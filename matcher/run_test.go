package matcher

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/sigtool/sigtool/sigfile"
)

// TestRuns: patterns that are one byte repeated are found by their runs
// (run.go), with ClamAV's counts (one per start), at every chunk size,
// beside ordinary patterns.
func TestRuns(t *testing.T) {
	zeros := func(n int) string { return string(bytes.Repeat([]byte{0}, n)) }
	cases := []struct {
		name string
		data string
		want []string
	}{
		{"none", "abc\x00\x00\x00def", nil},
		{"exact run", "ab" + zeros(4) + "cd", []string{"Zero4"}},
		{"at the start and end", zeros(4), []string{"Zero4"}},
		// 6 zeros hold 3 starts of 00000000: not more than 3.
		{"count of one run", "x" + zeros(6) + "y", []string{"Zero4"}},
		{"count over runs", "x" + zeros(5) + "y" + zeros(5) + "z" + zeros(4), []string{"Zero4", "ZeroCount"}},
		{"long run", "q" + zeros(40) + "q", []string{"Zero4", "ZeroCount", "Zero32", "ZeroAt2"}},
		{"spaces, with a mark", "MARK" + string(bytes.Repeat([]byte(" "), 12)), []string{"Spaces"}},
		{"spaces without the mark", string(bytes.Repeat([]byte(" "), 12)), nil},
		{"offset", "ab" + zeros(8), []string{"Zero4", "ZeroCount", "ZeroAt2"}},
		{"offset missed", "abc" + zeros(8), []string{"Zero4", "ZeroCount"}},
		{"two bytes", "a..b", []string{"Dots"}},
	}
	lines := []string{
		"Zero4:0:*:00000000",
		"Zero32:0:*:" + fmt.Sprintf("%064x", 0),
		"ZeroAt2:0:2:0000000000000000",
	}
	ldb := []string{
		// 0 at five starts or more: counted once per start, as ClamAV does.
		"ZeroCount;Engine:51-255,Target:0;0>4;00000000",
		"Spaces;Engine:51-255,Target:0;0&1>8;4d41524b;20202020",
		"Dots;Engine:51-255,Target:0;0;2e2e",
	}
	for _, chunk := range chunkSizes {
		var es []sigfile.Entry
		for _, l := range lines {
			es = append(es, entry(t, sigfile.KindNDB, l))
		}
		for _, l := range ldb {
			es = append(es, entry(t, sigfile.KindLDB, l))
		}
		m := buildWith(t, chunk, es...)
		if st := m.Stats(); st.Runs != 5 { // ZeroAt2 is checked at its offset (modeDirect)
			t.Fatalf("%d run patterns, want 5 (Stats %+v)", st.Runs, st)
		}
		for _, tc := range cases {
			if got := detect(t, m, []byte(tc.data)); !sameNames(got, tc.want) {
				t.Errorf("chunk %d, %s: got %v, want %v", chunk, tc.name, got, tc.want)
			}
		}
	}
}
