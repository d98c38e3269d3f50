package matcher

import (
	"errors"
	"testing"

	"github.com/dlclark/regexp2/v2"
)

func TestTranslatePCRE(t *testing.T) {
	tests := []struct {
		re, flags, in string
		want          bool
	}{
		{`ab+c`, "", "xabbbc", true},
		{`\w\d\s`, "", "a1 ", true},
		{`x\wy`, "", "x\xe9y", false},
		{`x\Wy`, "", "x\xe9y", true},
		{`[\w]{3}`, "", "\xe9\xe8\xe7", false},
		{`[^\d]`, "", "5", false},
		{`\bw\b`, "", "\xe9w\xe9", true},
		{`\Bw`, "", "aw", true},
		{`sp\ssp`, "", "sp\vsp", true},
		{`sp\ssp`, "", "sp\xa0sp", false},
		{`caf\xe9`, "i", "CAF\xc9", false},
		{`CAFE`, "i", "cafe", true},
		{`[a-c]x`, "i", "Bx", true},
		{`[^a]`, "i", "A", false},
		{`\x41\x3`, "", "A\x03", true},
		{`oc[\2]t`, "", "oc\x02t", true},
		{`\0`, "", "\x00", true},
		{`(?P<n>ab)-(?P=n)`, "", "ab-ab", true},
		{`(?P<n>a)(b)\2`, "", "abb", true},
		{`(?P<n>a)(b)\2`, "", "aba", false},
		{`(x)-\1`, "i", "x-X", true},
		{`a.b`, "", "a\nb", false},
		{`a.b`, "s", "a\nb", true},
		{`^b`, "m", "a\nb", true},
		{`^b`, "", "a\nb", false},
		{`end$`, "", "end\n", true},
		{`end$`, "E", "end\n", false},
		{`a b  c`, "x", "abc", true},
		{`a#comment`, "x", "a", true},
		{`x{2}`, "", "xx", true},
		{`x{2-3}`, "", "x{2-3}", true},
		{`]`, "", "]", true},
		{`[]a]`, "", "]", true},
		{`[a-]`, "", "-", true},
		{`\.\(\/`, "", ".(/", true},
		{`a(?=b)`, "", "ab", true},
		{`(?<=a)b`, "", "ab", true},
		{`(?<!a)b`, "", "ab", false},
		{`(?>a+)b`, "", "aab", true},
		{`a*+b`, "", "aab", true},
	}
	for _, tt := range tests {
		f, err := parsePCREFlags(tt.flags)
		if err != nil {
			t.Fatal(err)
		}
		pat, err := translatePCRE(tt.re, f)
		if err != nil {
			t.Errorf("/%s/%s: %v", tt.re, tt.flags, err)
			continue
		}
		opts := []regexp2.CompileOption{regexp2.OptionMaintainCaptureOrder()}
		if f.caseless {
			opts = append(opts, regexp2.IgnoreCase)
		}
		if f.dotall {
			opts = append(opts, regexp2.Singleline)
		}
		if f.multiline {
			opts = append(opts, regexp2.Multiline)
		}
		re, err := regexp2.Compile(pat, opts...)
		if err != nil {
			t.Errorf("/%s/%s -> %s: %v", tt.re, tt.flags, pat, err)
			continue
		}
		m, err := re.FindRunesMatch(runesOf(tt.in))
		if err != nil || (m != nil) != tt.want {
			t.Errorf("/%s/%s (%s) on %q: match %v, %v; want %v", tt.re, tt.flags, pat, tt.in, m != nil, err, tt.want)
		}
	}
}

func runesOf(s string) []rune {
	r := make([]rune, len(s))
	for i := 0; i < len(s); i++ {
		r[i] = rune(s[i])
	}
	return r
}

func TestTranslatePCRERefuses(t *testing.T) {
	for _, re := range []string{`(?i)a`, `a(?R)`, `\Ka`, `[[:alpha:]]`, `\x{41}`, `\p{L}`, `\Qa\E`, `(?(1)a|b)`, `a\`, `[a`, `[b-a]`, `(?P=n`, `\1`[:1]} {
		if _, err := translatePCRE(re, pcreFlags{}); !errors.Is(err, errPCRESyntax) {
			t.Errorf("/%s/: %v, want errPCRESyntax", re, err)
		}
	}
}

// FuzzTranslatePCRE checks that translation never panics, and that what
// it accepts regexp2 compiles or refuses cleanly.
func FuzzTranslatePCRE(f *testing.F) {
	for _, s := range []string{`ab+c`, `(?P<n>x)(?P=n)`, `[^\w\x2f-]`, `\bq\b$`, `a{1,3}?`, `[\2]`, `x(?!y)`} {
		f.Add(s, "i")
		f.Add(s, "gsmxU")
	}
	f.Fuzz(func(t *testing.T, re, flags string) {
		fl, err := parsePCREFlags(flags)
		if err != nil {
			return
		}
		pat, err := translatePCRE(re, fl)
		if err != nil {
			if !errors.Is(err, errPCRESyntax) {
				t.Fatalf("/%s/: %v", re, err)
			}
			return
		}
		if re, err := regexp2.Compile(pat, regexp2.OptionMaintainCaptureOrder()); err == nil {
			re.MatchTimeout = pcreTimeout
			_, _ = re.FindRunesMatch(runesOf("some input \x00\xff"))
		}
	})
}
