package matcher

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dlclark/regexp2/v2"
)

func TestRequiredLits(t *testing.T) {
	for _, c := range []struct {
		re, flags string
		alts      []string // sorted; nil: no filter
		fold      bool
	}{
		{`swfobject\x2EembedSWF\x28[\x22\x27]https?`, "i", []string{"swfobject.embedswf(\"http", "swfobject.embedswf(\"https", "swfobject.embedswf('http", "swfobject.embedswf('https"}, true},
		{`abc.*def`, "", []string{"abc"}, false},
		{`ab.*defgh`, "", []string{"defgh"}, false},
		{`https?://x`, "", []string{"http://x", "https://x"}, false},
		{`(?:foo|barx)\d`, "", []string{"barx", "foo"}, false},
		{`(?:foo|b)\d`, "", nil, false},
		{`x(abc|abd)y`, "", []string{"xabcy", "xabdy"}, false},
		{`(?P<n>\w+)=(?P=n)end`, "", []string{"end"}, false},
		{`abc\1def`, "", []string{"abc"}, false}, // both three long: the first kept
		{`look(?=ahead)more`, "", []string{"lookmore"}, false},
		{`(?<=behind)word`, "", []string{"word"}, false},
		{`ab(?:cd)?ef`, "", []string{"abcdef", "abef"}, false},
		{`(?:abc)+`, "", []string{"abc"}, false},
		{`(?:abc)*x`, "", nil, false},
		{`\bword\b`, "", []string{"word"}, false},
		{`^var x$`, "", []string{"var x"}, false},
		{`[a-z]{300,}`, "i", nil, false},
		{`a{2000}bcd`, "", []string{"bcd"}, false},
		{`caf\xe9`, "i", []string{"caf\xe9"}, true}, // \xe9 does not fold in the C locale
		{`(?>atomic)x`, "", []string{"atomicx"}, false},
		{`pos*+ess`, "", []string{"ess"}, false},
		{`\x00\x01\x02`, "", []string{"\x00\x01\x02"}, false},
		{`.{3}`, "", nil, false},
		{`[\x80-\xff]{4}`, "", nil, false},
	} {
		f, err := parsePCREFlags(c.flags)
		if err != nil {
			t.Fatal(err)
		}
		lf := requiredLits(c.re, f)
		if c.alts == nil {
			if lf != nil {
				t.Errorf("/%s/%s: filter %q, want none", c.re, c.flags, lf.alts)
			}
			continue
		}
		if lf == nil {
			t.Errorf("/%s/%s: no filter, want %q", c.re, c.flags, c.alts)
			continue
		}
		var got []string
		for _, a := range lf.alts {
			got = append(got, string(a))
		}
		slices.Sort(got)
		if !slices.Equal(got, c.alts) || lf.fold != c.fold {
			t.Errorf("/%s/%s: filter %q fold %v, want %q fold %v", c.re, c.flags, got, lf.fold, c.alts, c.fold)
		}
	}
}

// TestRequiredLitsSound runs each pattern with regexp2 on inputs it
// matches: the filter must pass every one of them.
func TestRequiredLitsSound(t *testing.T) {
	for _, c := range []struct{ re, flags, in string }{
		{`swfobject\x2EembedSWF\x28[\x22\x27]https?`, "i", `SWFObject.embedSWF("http`},
		{`ab(?:cd)?ef`, "", "xxabefyy"},
		{`abc\1def`, "", "abc def"},
		{`(a)bc\1def`, "", "abcadef"},
		{`look(?=ahead)`, "", "lookahead"},
		{`x$`, "", "ax\n"},
		{`^b`, "m", "a\nb"},
		{`A\x41`, "i", "aa"},
		{`(?:Kelvin|k)s`, "i", "KS"},
	} {
		checkSound(t, c.re, c.flags, c.in)
	}
}

func checkSound(t *testing.T, re, flags, in string) {
	t.Helper()
	f, err := parsePCREFlags(flags)
	if err != nil {
		return
	}
	p, err := compilePCREPattern(re, f)
	if err != nil {
		return
	}
	m, err := p.FindRunesMatch(runesOf(in))
	if err != nil || m == nil {
		return
	}
	lf := requiredLits(re, f)
	if lf == nil {
		return
	}
	data := []byte(in)
	if !lf.in(data, lowerASCII(slices.Clone(data))) {
		t.Errorf("/%s/%s matches %q, but its filter %q (fold %v) rejects it", re, flags, in, lf.alts, lf.fold)
	}
}

// compilePCREPattern compiles a PCRE as compilePCRE does, unanchored.
func compilePCREPattern(re string, f pcreFlags) (*regexp2.Regexp, error) {
	pat, err := translatePCRE(re, f)
	if err != nil {
		return nil, err
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
	r, err := regexp2.Compile(pat, regexp2.OptionMaintainCaptureOrder(), ro)
	if err != nil {
		return nil, err
	}
	r.MatchTimeout = 100 * time.Millisecond
	return r, nil
}

// FuzzRequiredLits: whatever regexp2 finds in the input, the literal
// filter of the same pattern passes; the wider translation never panics.
func FuzzRequiredLits(f *testing.F) {
	for _, s := range []struct{ re, in string }{
		{`ab(?:cd)?ef`, "abef"}, {`(a|bc)\1x`, "bcbcx"}, {`x(?=yz)yzw`, "xyzw"},
		{`[Aa][Bb]c`, "aBc"}, {`(?:foo|bar){2}`, "foobar"}, {`q{2000}`, "q"},
	} {
		f.Add(s.re, "", s.in)
		f.Add(s.re, "i", strings.ToUpper(s.in))
	}
	f.Fuzz(func(t *testing.T, re, flags, in string) {
		if len(in) > 4096 {
			return
		}
		checkSound(t, re, flags, in)
	})
}
