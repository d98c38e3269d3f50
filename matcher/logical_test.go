package matcher

import (
	"slices"
	"strings"
	"testing"

	"github.com/sigtool/sigtool/sigfile"
)

func TestLogical(t *testing.T) {
	const (
		abcd = "61626364" // "abcd"
		efgh = "65666768" // "efgh"
		ijkl = "696a6b6c" // "ijkl"
	)
	tdb := "Engine:51-255,Target:0"
	cases := []struct {
		name, line, data string
		want             bool
	}{
		{"and both", "L;" + tdb + ";0&1;" + abcd + ";" + efgh, "abcd efgh", true},
		{"and one", "L;" + tdb + ";0&1;" + abcd + ";" + efgh, "abcd efg", false},
		{"or one", "L;" + tdb + ";0|1;" + abcd + ";" + efgh, "xx efgh", true},
		{"or none", "L;" + tdb + ";0|1;" + abcd + ";" + efgh, "xx efg", false},
		{"count gt yes", "L;" + tdb + ";0>2;" + abcd, "abcd abcd abcd", true},
		{"count gt no", "L;" + tdb + ";0>2;" + abcd, "abcd abcd", false},
		{"count eq yes", "L;" + tdb + ";0=2;" + abcd, "abcd abcd", true},
		{"count eq more", "L;" + tdb + ";0=2;" + abcd, "abcd abcd abcd", false},
		{"count lt", "L;" + tdb + ";0<2&1;" + abcd + ";" + efgh, "abcd efgh", true},
		{"count lt no", "L;" + tdb + ";0<2&1;" + abcd + ";" + efgh, "abcd abcd efgh", false},
		{"negation", "L;" + tdb + ";0&1=0;" + abcd + ";" + efgh, "abcd", true},
		{"negation hit", "L;" + tdb + ";0&1=0;" + abcd + ";" + efgh, "abcd efgh", false},
		{"distinct yes", "L;" + tdb + ";(0|1|2)>1,2;" + abcd + ";" + efgh + ";" + ijkl, "abcd ijkl", true},
		{"distinct no", "L;" + tdb + ";(0|1|2)>1,2;" + abcd + ";" + efgh + ";" + ijkl, "abcd abcd abcd", false},
		{"group sum", "L;" + tdb + ";(0|1)>2;" + abcd + ";" + efgh, "abcd efgh abcd", true},
		{"nested", "L;" + tdb + ";(0&1)|2;" + abcd + ";" + efgh + ";" + ijkl, "ijkl", true},
		{"nocase", "L;" + tdb + ";0;41424344::i", "xxaBcDxx", true},
		{"case sensitive", "L;" + tdb + ";0;41424344", "xxaBcDxx", false},
		{"nocase short", "L;" + tdb + ";0;414243::i", "xxaBcxx", true},
		{"wide", "L;" + tdb + ";0;61626364::w", "xa\x00b\x00c\x00d\x00x", true},
		{"wide no ascii", "L;" + tdb + ";0;61626364::w", "xabcdx", false},
		{"wide ascii", "L;" + tdb + ";0;61626364::wa", "xabcdx", true},
		{"wide ascii wide", "L;" + tdb + ";0;61626364::wa", "a\x00b\x00c\x00d\x00", true},
		{"fullword", "L;" + tdb + ";0;61626364::f", "x abcd.", true},
		{"fullword inside", "L;" + tdb + ";0;61626364::f", "xabcd.", false},
		{"fullword nocase", "L;" + tdb + ";0;61626364::fi", "ABCD", true},
		{"sub offset", "L;" + tdb + ";0;2:" + abcd, "xxabcd", true},
		{"sub offset wrong", "L;" + tdb + ";0;1:" + abcd, "xxabcd", false},
		{"filesize in", "L;Engine:51-255,Target:0,FileSize:5-20;0;" + abcd, "abcd efgh", true},
		{"filesize out", "L;Engine:51-255,Target:0,FileSize:100-200;0;" + abcd, "abcd efgh", false},
		{"target pe on text", "L;Engine:51-255,Target:1;0;" + abcd, "abcd", false},
		{"always true", "L;" + tdb + ";0=0;" + abcd, "nothing here", true},
		{"multi part sub", "L;" + tdb + ";0;" + abcd + "*" + efgh, "abcd----efgh", true},
		// A split subsignature counts once per position of its last part
		// that completes a chain, as ClamAV counts it, whichever part
		// the filter found.
		{"split count ends", "L;" + tdb + ";0=2;" + abcd + "*" + efgh, "abcd efgh efgh", true},
		{"split count starts", "L;" + tdb + ";0=2;" + abcd + "*" + efgh, "abcd abcd efgh", false},
		{"split count pairs", "L;" + tdb + ";0=2;" + abcd + "*" + efgh, "abcd abcd efgh efgh", true},
		{"split count range", "L;" + tdb + ";0=2;" + abcd + "{0-8}" + efgh, "abcd efgh efgh", true},
		{"split count range far", "L;" + tdb + ";0=2;" + abcd + "{0-8}" + efgh, "abcd efgh ------ efgh", false},
		{"split count middle", "L;" + tdb + ";0>1;" + abcd + "{0-4}7a71787976{0-8}" + efgh, "abcd zqxyv efgh efgh", true},
		{"split count middle one", "L;" + tdb + ";0>1;" + abcd + "{0-4}7a71787976{0-8}" + efgh, "abcd zqxyv efgh abcd zqxyv", false},
		{"split count common last", "L;" + tdb + ";0>2;7a71787976{0-12}00000000", "zqxyv\x00\x00\x00\x00\x00\x00", true},
	}
	for _, tc := range cases {
		for _, chunk := range []int{1, 3, defaultChunk} {
			m := buildWith(t, chunk, entry(t, sigfile.KindLDB, tc.line))
			got := detect(t, m, []byte(tc.data))
			if (len(got) == 1 && got[0] == "L") != tc.want || len(got) > 1 {
				t.Errorf("%s (chunk %d): %s on %q: got %v, want match=%v", tc.name, chunk, tc.line, tc.data, got, tc.want)
			}
		}
	}
}

func TestLogicalPE(t *testing.T) {
	pe := minimalPE()
	ep := hexAt(pe, 0x210, 6)
	for _, tc := range []struct {
		line string
		want bool
	}{
		{"L;Engine:51-255,Target:1;0;EP+0:" + ep, true},
		{"L;Engine:51-255,Target:1,EntryPoint:528-528;0;" + ep, true},
		{"L;Engine:51-255,Target:1,EntryPoint:0-10;0;" + ep, false},
		{"L;Engine:51-255,Target:1,NumberOfSections:2-2;0;" + ep, true},
		{"L;Engine:51-255,Target:1,NumberOfSections:3-9;0;" + ep, false},
		{"L;Engine:51-255,Target:6;0;" + ep, false},
	} {
		m := buildWith(t, 64, entry(t, sigfile.KindLDB, tc.line))
		if got := detect(t, m, pe); (len(got) == 1) != tc.want {
			t.Errorf("%s: got %v, want match=%v", tc.line, got, tc.want)
		}
	}
}

func TestNotEvaluated(t *testing.T) {
	lines := []struct {
		kind   sigfile.Kind
		line   string
		reason Reason
	}{
		{sigfile.KindLDB, "P;Engine:81-255,Target:0;0&1;61626364;0/a(?R)/", ReasonPCRE},
		{sigfile.KindLDB, "C;Engine:81-255,Target:0;0&1;61626364;0(>>2#hb2#=0)", ReasonByteCmp},
		{sigfile.KindLDB, "I;Engine:81-255,Target:1,IconGroup1:FAKEAV;0;61626364", ReasonIcon},
		{sigfile.KindLDB, "T;Engine:81-255,Target:8;0;61626364", ReasonTarget},
		{sigfile.KindLDB, "E;Engine:51-99,Target:0;0;61626364", ReasonFLevel},
		{sigfile.KindNDB, "N:8:*:61626364", ReasonTarget},
		{sigfile.KindNDB, "F:0:*:61626364:999", ReasonFLevel},
	}
	var es []sigfile.Entry
	want := map[Reason]int{}
	for _, l := range lines {
		e, err := sigfile.ParseLine(l.kind, l.line)
		if err != nil {
			t.Logf("parser rejects %q (%v); skipped", l.line, err)
			continue
		}
		es = append(es, e)
		want[l.reason]++
	}
	es = append(es, entry(t, sigfile.KindNDB, "Ok:0:*:61626364"))
	m := buildWith(t, 0, es...)
	st := m.Stats()
	for r, n := range want {
		if st.NotEvaluated[r] != n {
			t.Errorf("NotEvaluated[%q] = %d, want %d (all: %v)", r, st.NotEvaluated[r], n, st.NotEvaluated)
		}
	}
	if st.BodySigs != 1 || st.LogicalSigs != 0 {
		t.Errorf("BodySigs %d LogicalSigs %d, want 1 and 0", st.BodySigs, st.LogicalSigs)
	}
	// Data that every skipped signature's pattern would match: only Ok.
	if got := detect(t, m, []byte("abcd abc "+strings.Repeat("x", 10))); !sameNames(got, []string{"Ok"}) {
		t.Errorf("got %v, want [Ok]", got)
	}
}

// TestSubCaps: a subsignature's count matters up to one more than the
// largest count compared at it or at a group above it.
func TestSubCaps(t *testing.T) {
	cases := []struct {
		expr string
		n    int
		want []uint32
	}{
		{"0&1", 2, []uint32{1, 1}},
		{"0>5&1", 2, []uint32{6, 1}},
		{"(0|1)=2&2", 3, []uint32{3, 3, 1}},
		{"((0|1)>1,2|2>7)&3<4", 4, []uint32{2, 2, 8, 5}},
		{"(0&1=0)>3", 2, []uint32{4, 4}},
	}
	for _, tc := range cases {
		e, err := sigfile.ParseExpr(tc.expr)
		if err != nil {
			t.Fatal(err)
		}
		n, err := compileExpr(e, tc.n, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := n.subCaps(tc.n); !slices.Equal(got, tc.want) {
			t.Errorf("%s: caps %v, want %v", tc.expr, got, tc.want)
		}
	}
}

func TestPCRESubsignatures(t *testing.T) {
	tdb := "Engine:81-255,Target:0"
	for _, tc := range []struct {
		name, line, data string
		want             bool
	}{
		{"triggered", "L;" + tdb + ";0&1;61626364;0/x\\d+y/", "abcd x12y", true},
		{"trigger false", "L;" + tdb + ";0&1;61626364;0/x\\d+y/", "x12y", false},
		{"bypass", "L;" + tdb + ";0;7374756c747a676574737265676578/x\\d+y/", "x12y", true},
		{"global count", "L;" + tdb + ";0&1>1;61626364;0/x\\d/g", "abcd x1 x2", true},
		{"single count", "L;" + tdb + ";0&1>1;61626364;0/x\\d/", "abcd x1 x2", false},
		{"anchored offset", "L;" + tdb + ";0&1;61626364;5:0/x1/", "abcd x1", true},
		{"anchored offset off", "L;" + tdb + ";0&1;61626364;4:0/x1/", "abcd x1", false},
		{"shift", "L;" + tdb + ";0&1;61626364;0,5:0/x1/", "abcd x1", true},
		{"shift past", "L;" + tdb + ";0&1;61626364;0,4:0/x1/", "abcd x1", false},
		{"trigger count", "L;" + tdb + ";0&1;61626364;0>1/x1/", "abcd abcd x1", true},
	} {
		for _, chunk := range []int{3, defaultChunk} {
			m := buildWith(t, chunk, entry(t, sigfile.KindLDB, tc.line))
			got := detect(t, m, []byte(tc.data))
			if (len(got) == 1) != tc.want {
				t.Errorf("%s (chunk %d): got %v, want match=%v", tc.name, chunk, got, tc.want)
			}
		}
	}
}
