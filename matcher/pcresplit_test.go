package matcher

import (
	"strings"
	"testing"

	"github.com/dlclark/regexp2/v2"
)

func TestSplitLead(t *testing.T) {
	for _, c := range []struct {
		re, flags  string
		lead, rest string // "" lead: not split
	}{
		{`\x3Cscript.*?\s*\x7B[^\x7D]*?let`, "smi", `\x3Cscript`, `\s*\x7B[^\x7D]*?let`},
		{`willReadFrequently.*?(?P<s>\w+)\.create`, "si", `willReadFrequently`, `(?P<s>\w+)\.create`},
		{`a\.b.*c`, "s", `a\.b`, `c`},
		{`abc.*c`, "", "", ""},    // no s flag: "." stops at a newline
		{`abc.*c`, "sg", "", ""},  // global: counts, not one match
		{`abc.*c`, "sA", "", ""},  // anchored
		{`ab+c.*d`, "s", "", ""},  // a quantified atom
		{`a(b).*\1`, "s", "", ""}, // a group in the lead
		{`[ab].*c`, "s", "", ""},  // a class
		{`abc.*+d`, "s", "", ""},  // possessive
		{`abc.*^d`, "sm", "", ""}, // an anchor in the rest
		{`abc.*[^d]`, "s", `abc`, `[^d]`},
		{`abc.*\Gd`, "s", "", ""},
		{`abc.*`, "s", "", ""},    // nothing after
		{`\dabc.*d`, "s", "", ""}, // an escape that is a class
		{`ab c.*d`, "sx", "", ""}, // extended: spaces are not literals
		{`.*abc`, "s", "", ""},
	} {
		f, err := parsePCREFlags(c.flags)
		if err != nil {
			t.Fatal(err)
		}
		lead, rest, ok := splitLead(c.re, f)
		if ok != (c.lead != "") || lead != c.lead || rest != c.rest {
			t.Errorf("/%s/%s: split %q %q %v, want %q %q", c.re, c.flags, lead, rest, ok, c.lead, c.rest)
		}
	}
}

// TestLeadSplitFind compares the split search with regexp2's search of
// the whole pattern: the same start, or no match for both.
func TestLeadSplitFind(t *testing.T) {
	const re = `\x3Cscript.*?\s*\x7B[^\x7D]*?let\s*(?P<var>\w+)\s*\x3D\s*(?P=var)`
	for _, in := range []string{
		"<script>{ let a = a",
		"<SCRIPT> <script> x { y } { let q = q",
		"<script> { let a = b } let c = c",
		"no script here",
		"<script>",
		"x<script>\n{\nlet zz=zz",
	} {
		compareSplit(t, re, "smi", in)
	}
	compareSplit(t, `ab.*(?<=b.)c`, "s", "abc")
	compareSplit(t, `ab.*(?<=b.)c`, "s", "abxc")
	compareSplit(t, `ab.*(?<=a)c`, "s", "abac")
	compareSplit(t, `ab.*c$`, "s", "ab c\n")
}

func compareSplit(t *testing.T, re, flags, in string) {
	t.Helper()
	f, err := parsePCREFlags(flags)
	if err != nil {
		return
	}
	whole, err := compilePCREPattern(re, f)
	if err != nil {
		return
	}
	var ro regexp2.RegexOptions
	if f.caseless {
		ro |= regexp2.IgnoreCase
	}
	if f.dotall {
		ro |= regexp2.Singleline
	}
	if f.multiline {
		ro |= regexp2.Multiline
	}
	sp := compileSplit(re, f, []regexp2.CompileOption{regexp2.OptionMaintainCaptureOrder(), ro})
	if sp == nil {
		return
	}
	want := -1
	if m, err := whole.FindRunesMatch(runesOf(in)); err != nil {
		return // gave up: nothing to compare
	} else if m != nil {
		want = m.RuneIndex
	}
	if got := sp.find(runesOf(in)); got != want {
		t.Errorf("/%s/%s on %q: split finds %d, the whole pattern %d", re, flags, in, got, want)
	}
}

func FuzzLeadSplit(f *testing.F) {
	f.Add(`\x3Cscript.*?\s*\x7B[^\x7D]*?let\s*(?P<var>\w+)=(?P=var)`, "smi", "<script>{let a=a")
	f.Add(`ab.*(?<=b.)c`, "s", "abc")
	f.Add(`a.b.*?(x|y)\1`, "si", "A.B yy")
	f.Fuzz(func(t *testing.T, re, flags, in string) {
		if len(in) > 2048 || strings.Count(re, "*") > 8 {
			return
		}
		compareSplit(t, re, flags, in)
	})
}
