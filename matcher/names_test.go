package matcher

import (
	"fmt"
	"strings"
	"testing"
)

// TestNamesFrontCoded round-trips names through the front-coded arena:
// families sharing prefixes, group and block borders, overlong names.
func TestNamesFrontCoded(t *testing.T) {
	var n names
	var want []string
	for i := range 100000 {
		s := fmt.Sprintf("Fam.%d.X-%07d", i/1000, i)
		if i%7 == 0 {
			s = strings.Repeat("y", i%5000)
		}
		want = append(want, s)
		n.add(s)
	}
	for i, w := range want {
		if g := n.get(uint32(i)); g != w[:min(len(w), maxName)] {
			t.Fatalf("%d: %q != %q", i, g, w)
		}
	}
}
