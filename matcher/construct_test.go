package matcher

import (
	"strings"
	"testing"
)

// Each case: one .ndb signature named S, data, and whether it matches.
var constructCases = []struct {
	name, sig string
	data      string
	match     bool
}{
	{"literal", "S:0:*:61626364", "xxabcdxx", true},
	{"literal absent", "S:0:*:61626364", "xxabcxdxx", false},
	{"literal at start", "S:0:*:61626364", "abcd", true},
	{"short literal", "S:0:*:616263", "zzabcz", true},
	{"short literal absent", "S:0:*:616263", "zzabzcz", false},
	{"two-byte part", "S:0:*:6162*7a7a7a", "zzab zzz", true},
	{"wildcard byte", "S:0:*:6162??6465", "ab_de", true},
	{"wildcard byte absent", "S:0:*:6162??6465", "abde", false},
	{"high nibble", "S:0:*:61626?6465", "abcde", true},
	{"high nibble mismatch", "S:0:*:61627?6465", "abcde", false},
	{"low nibble", "S:0:*:6162?36465", "abcde", true},
	{"low nibble mismatch", "S:0:*:6162?46465", "abcde", false},
	{"fixed gap", "S:0:*:6162{3}6465", "ab123de", true},
	{"fixed gap wrong", "S:0:*:6162{3}6465", "ab12de", false},
	{"big fixed gap", "S:0:*:6162{200}6465", "ab" + strings.Repeat("x", 200) + "de", true},
	{"big fixed gap wrong", "S:0:*:6162{200}6465", "ab" + strings.Repeat("x", 199) + "de", false},
	{"range gap low", "S:0:*:61626364{2-4}65666768", "abcd12efgh", true},
	{"range gap high", "S:0:*:61626364{2-4}65666768", "abcd1234efgh", true},
	{"range gap too long", "S:0:*:61626364{2-4}65666768", "abcd12345efgh", false},
	{"range gap too short", "S:0:*:61626364{2-4}65666768", "abcd1efgh", false},
	{"range gap backtrack", "S:0:*:61626364{2-6}656667", "abcd1efg2efg", true},
	{"upto gap", "S:0:*:61626364{-3}65666768", "abcdefgh", true},
	{"upto gap too long", "S:0:*:61626364{-3}65666768", "abcd1234efgh", false},
	{"atleast gap", "S:0:*:61626364{3-}65666768", "abcd" + strings.Repeat("z", 500) + "efgh", true},
	{"atleast gap too short", "S:0:*:61626364{3-}65666768", "abcd12efgh", false},
	{"star", "S:0:*:61626364*65666768", "abcd" + strings.Repeat("-", 3000) + "efgh", true},
	{"star adjacent", "S:0:*:61626364*65666768", "abcdefgh", true},
	{"star order", "S:0:*:61626364*65666768", "efgh abcd", false},
	{"star three parts", "S:0:*:6162*6364*6566", "ab..cd..ef", true},
	{"star three parts order", "S:0:*:6162*6364*6566", "ab..ef..cd", false},
	{"star late first", "S:0:*:61626364*65666768", "abcd efgh abcd", true},
	{"alt single", "S:0:*:6162(63|64)6566", "abdef", true},
	{"alt single absent", "S:0:*:6162(63|64)6566", "abxef", false},
	{"alt negated", "S:0:*:6162!(63|64)6566", "abxef", true},
	{"alt negated hit", "S:0:*:6162!(63|64)6566", "abcef", false},
	{"alt multibyte", "S:0:*:6162(6364|7879)6566", "abxyef", true},
	{"alt multibyte absent", "S:0:*:6162(6364|7879)6566", "abxxef", false},
	{"alt negated multibyte", "S:0:*:6162!(6364|7879)6566", "abxxef", true},
	{"alt negated multibyte hit", "S:0:*:6162!(6364|7879)6566", "abcdef", false},
	{"alt generic short", "S:0:*:6162(63|646464)6566", "abcef", true},
	{"alt generic long", "S:0:*:6162(63|646464)6566", "abdddef", true},
	{"alt generic neither", "S:0:*:6162(63|646464)6566", "abddef", false},
	{"alt generic backtrack", "S:0:*:6162(6364|63)6465", "abcde", true},
	{"boundary left edge", "S:0:*:(B)61626364", "abcd", true},
	{"boundary left ok", "S:0:*:(B)61626364", " abcd", true},
	{"boundary left no", "S:0:*:(B)61626364", "xabcd", false},
	{"boundary left right-only byte", "S:0:*:(B)61626364", "=abcd", false},
	{"boundary right edge", "S:0:*:61626364(B)", "abcd", true},
	{"boundary right ok", "S:0:*:61626364(B)", "abcd=", true},
	{"boundary right no", "S:0:*:61626364(B)", "abcde", false},
	{"boundary middle", "S:0:*:6162(B)6364", "ab.cd", true},
	{"boundary middle no", "S:0:*:6162(B)6364", "abxcd", false},
	{"line left", "S:0:*:(L)61626364", "z\nabcd", true},
	{"line left no", "S:0:*:(L)61626364", "z abcd", false},
	{"line right lf", "S:0:*:61626364(L)", "abcd\n", true},
	{"line right crlf", "S:0:*:61626364(L)", "abcd\r\n", true},
	{"line right cr alone", "S:0:*:61626364(L)", "abcd\rx", false},
	{"line right eof", "S:0:*:61626364(L)", "zzabcd", true},
	{"line middle crlf", "S:0:*:6162(L)6364", "ab\r\ncd", true},
	{"line middle lf", "S:0:*:6162(L)6364", "ab\ncd", true},
	{"line middle no", "S:0:*:6162(L)6364", "ab cd", false},
	{"nonalnum middle", "S:0:*:6162(W)6364", "ab-cd", true},
	{"nonalnum middle no", "S:0:*:6162(W)6364", "abzcd", false},
	{"nonalnum left", "S:0:*:(W)61626364", "9abcd", false},
	{"nonalnum left ok", "S:0:*:(W)61626364", "-abcd", true},
	{"offset abs", "S:0:3:61626364", "xyzabcd", true},
	{"offset abs wrong", "S:0:2:61626364", "xyzabcd", false},
	{"offset abs shift", "S:0:1,5:61626364", "xyzabcd", true},
	{"offset abs shift short", "S:0:1,1:61626364", "xyzabcd", false},
	{"offset eof", "S:0:EOF-6:61626364", "xyzabcdzz", true},
	{"offset eof wrong", "S:0:EOF-5:61626364", "xyzabcdzz", false},
	{"offset eof shift", "S:0:EOF-8,3:61626364", "xyzabcdzz", true},
	{"offset abs star", "S:0:0:6162*6364", "ab----cd", true},
	{"offset abs star late", "S:0:0:6162*6364", "-ab----cd", false},
	{"offset abs anchored on later part", "S:0:0:6162*636465666768696a", "ab--cdefghij", true},
	{"offset abs anchored on later part no", "S:0:0:6162*636465666768696a", "-ab--cdefghij", false},
	{"large shift via filter", "S:0:10,100000:6162636465666768", strings.Repeat("-", 5000) + "abcdefgh", true},
	{"large shift via filter early", "S:0:10,100000:6162636465666768", "abcdefgh" + strings.Repeat("-", 5000), false},
	{"long literal", "S:0:*:" + strings.Repeat("41", 20) + "42", strings.Repeat("A", 30) + "B", true},
	{"long literal absent", "S:0:*:" + strings.Repeat("41", 20) + "42", strings.Repeat("A", 19) + "B", false},
	{"bracket range", "S:0:*:6162[2-3]63", "ab12c", true},
	{"bracket range far", "S:0:*:6162[2-3]63", "ab1234c", false},
}

func TestConstructs(t *testing.T) {
	for _, tc := range constructCases {
		for _, chunk := range chunkSizes {
			m := ndb(t, chunk, tc.sig)
			got := detect(t, m, []byte(tc.data))
			if (len(got) == 1) != tc.match || (tc.match && got[0] != "S") {
				t.Errorf("%s (chunk %d): %s on %q: got %v, want match=%v", tc.name, chunk, tc.sig, tc.data, got, tc.match)
			}
		}
	}
}
