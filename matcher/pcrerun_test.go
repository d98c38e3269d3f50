package matcher

import (
	"strings"
	"testing"

	"github.com/dlclark/regexp2/v2"
)

func TestRequiredRun(t *testing.T) {
	for _, c := range []struct {
		pattern string
		opts    regexp2.RegexOptions
		n       int
		yes, no string // content with and without the run
	}{
		{`var.*?#([^"'#])\1{100,}?`, 0, 101, "#" + strings.Repeat("z", 101), "#" + strings.Repeat("z", 100)},
		{`x([a-c])\1{3}y`, 0, 4, "bbbb", "bbb"},
		{`x(a)\1`, 0, 2, "aa", "a a"},
		{`x([ab])\1{3}`, 0, 4, "bbbb", "abab"},
		{`(?:q|([ab])\1{3})`, 0, 0, "", ""}, // inside an alternative: not required
		{`x([ab])\1{0,3}`, 0, 0, "", ""},    // a run of one says nothing
		{`x(ab)\1{3}`, 0, 0, "", ""},        // a string, not one byte
		{`x([ab])\1{3}`, regexp2.IgnoreCase, 0, "", ""},
		{`x(a)(b)\1{3}`, 0, 0, "", ""},
	} {
		r := requiredRun(c.pattern, c.opts)
		if r.n != c.n {
			t.Errorf("%s: run of %d, want %d", c.pattern, r.n, c.n)
			continue
		}
		if r.n == 0 {
			continue
		}
		if !r.in([]byte(c.yes)) {
			t.Errorf("%s: no run in %q", c.pattern, c.yes)
		}
		if r.in([]byte(c.no)) {
			t.Errorf("%s: a run in %q", c.pattern, c.no)
		}
	}
}
