package matcher

import (
	"context"
	"slices"
	"testing"

	"github.com/sigtool/sigtool/filetype"
	"github.com/sigtool/sigtool/sigfile"
	"github.com/sigtool/sigtool/unpack"
)

// searched reports whether the view looks for pattern pi of s at all.
func searched(s *Segment, pi uint32) bool {
	if s.filtered[pi] || slices.Contains(s.slow, pi) || slices.ContainsFunc(s.directs.pats, func(d directPat) bool { return d.pi == pi }) ||
		slices.ContainsFunc(s.short, func(r uint64) bool { return uint32(r) == pi }) {
		return true
	}
	for _, g := range s.runs {
		if slices.ContainsFunc(g.pats, func(r runPat) bool { return r.pi == pi }) {
			return true
		}
	}
	return false
}

func TestForNormalizedTextKeeps(t *testing.T) {
	const tdb = "Engine:51-255,Target:0"
	for _, tc := range []struct {
		name string
		kind sigfile.Kind
		line string
		keep bool // the one pattern (the first, for an ldb) is searched for
	}{
		{"lower text", sigfile.KindNDB, "A:0:*:68656c6c6f20776f726c64", true},
		{"target 7", sigfile.KindNDB, "A:7:*:68656c6c6f20776f726c64", true},
		{"target 1", sigfile.KindNDB, "A:1:*:68656c6c6f20776f726c64", false},
		{"target 3", sigfile.KindNDB, "A:3:*:68656c6c6f20776f726c64", false},
		{"upper case", sigfile.KindNDB, "A:0:*:48656c6c6f20776f726c64", false},
		{"line feed", sigfile.KindNDB, "A:0:*:68656c6c6f0a776f726c64", false},
		{"tab", sigfile.KindNDB, "A:0:*:68656c6c6f09776f726c64", false},
		{"two spaces", sigfile.KindNDB, "A:0:*:68656c6c6f2020776f726c64", false},
		{"spaces apart", sigfile.KindNDB, "A:0:*:68656c6c6f20{2}20776f726c64", true},
		{"del kept", sigfile.KindNDB, "A:0:*:68656c6c6f7f776f726c64", true},
		{"high byte", sigfile.KindNDB, "A:0:*:68656c6c6fe9776f726c64", false},
		{"nul", sigfile.KindNDB, "A:0:*:68656c6c6f00776f726c64", false},
		{"high byte in a later part", sigfile.KindNDB, "A:0:*:68656c6c6f*ff776f726c64", false},
		{"masked to text", sigfile.KindNDB, "A:0:*:68656c6c6f?0776f726c64", true},
		{"masked outside", sigfile.KindNDB, "A:0:*:68656c6c6f8?776f726c64", false},
		{"alternative with text", sigfile.KindNDB, "A:0:*:68656c6c6f(ff|20)776f726c64", true},
		{"alternative without", sigfile.KindNDB, "A:0:*:68656c6c6f(ff|0a)776f726c64", false},
		{"negated alternative", sigfile.KindNDB, "A:0:*:68656c6c6f!(20|21)776f726c64", true},
		{"boundary", sigfile.KindNDB, "A:0:*:68656c6c6f(B)776f726c64", true},
		{"line end inside", sigfile.KindNDB, "A:0:*:68656c6c6f(L)776f726c64", false},
		{"line end at the edge", sigfile.KindNDB, "A:0:*:68656c6c6f20776f726c64(L)", true},
		{"run of spaces", sigfile.KindNDB, "A:0:*:2020202020202020", false},
		{"run of a letter", sigfile.KindNDB, "A:0:*:7878787878787878", true},
		{"fixed offset", sigfile.KindNDB, "A:0:0:68656c6c6f20776f726c64", true},
		{"fixed offset upper", sigfile.KindNDB, "A:0:0:48454c4c4f20574f524c44", false},
		{"nocase upper", sigfile.KindLDB, "L;" + tdb + ";0;48454c4c4f20574f524c44::i", true},
		{"case sensitive upper", sigfile.KindLDB, "L;" + tdb + ";0;48454c4c4f20574f524c44", false},
		{"wide", sigfile.KindLDB, "L;" + tdb + ";0;68656c6c6f20776f726c64::w", false},
		{"ldb target 7", sigfile.KindLDB, "L;Engine:51-255,Target:7;0;68656c6c6f20776f726c64", true},
		{"ldb target 1", sigfile.KindLDB, "L;Engine:51-255,Target:1;0;68656c6c6f20776f726c64", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := buildWith(t, defaultChunk, entry(t, tc.kind, tc.line))
			if !searched(m.segs[0], 0) {
				t.Fatalf("the full matcher does not search for the pattern")
			}
			v, err := m.ForNormalizedText(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if got := searched(v.segs[0], 0); got != tc.keep {
				t.Errorf("view searches for it: %v, want %v", got, tc.keep)
			}
		})
	}
}

// TestForNormalizedTextVerdicts: on normalised text the view finds what
// the full matcher finds, through a mix of kept and dropped patterns and
// logical signatures whose subsignatures are some of each.
func TestForNormalizedTextVerdicts(t *testing.T) {
	const tdb = "Engine:51-255,Target:0"
	lines := []struct {
		kind sigfile.Kind
		line string
	}{
		{sigfile.KindNDB, "Hello:0:*:68656c6c6f20776f726c64"},
		{sigfile.KindNDB, "Upper:0:*:48656c6c6f"},
		{sigfile.KindNDB, "Script:7:*:6576616c28756e657363617065"},
		{sigfile.KindNDB, "Exe:1:*:6576616c28756e657363617065"},
		{sigfile.KindNDB, "Start:0:0:766172"},
		{sigfile.KindNDB, "Tail:0:EOF-3:656e64"},
		{sigfile.KindNDB, "Gap:0:*:6576616c{-10}646f63756d656e74"},
		{sigfile.KindLDB, "OrMixed;" + tdb + ";0|1;48454c4c4f;646f63756d656e742e7772697465"},
		{sigfile.KindLDB, "AndMixed;" + tdb + ";0&1;48454c4c4f;646f63756d656e742e7772697465"},
		{sigfile.KindLDB, "None;" + tdb + ";0=0&1;48454c4c4f;7a7a7a7a"},
		{sigfile.KindLDB, "Nocase;" + tdb + ";0;554e455343415045::i"},
		{sigfile.KindLDB, "Count;" + tdb + ";0>1;76617220"},
		{sigfile.KindLDB, "Wide;" + tdb + ";0;76617220::w"},
	}
	var es []sigfile.Entry
	for _, l := range lines {
		es = append(es, entry(t, l.kind, l.line))
	}
	for _, chunk := range []int{7, defaultChunk} {
		m := buildWith(t, chunk, es...)
		v, err := m.ForNormalizedText(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		info := filetype.Info{Type: filetype.TextASCII, Normalized: true}
		found := map[string]bool{}
		for _, text := range []string{
			"",
			"var x = 1; hello world; end",
			"var a; var b; eval(unescape('%41')); document.write(x) end",
			"eval(  document",
			"nothing at all",
			"zzzz hello",
		} {
			want, err := m.Match(context.Background(), unpack.Bytes([]byte(text)), int64(len(text)), info)
			if err != nil {
				t.Fatal(err)
			}
			got, err := v.Match(context.Background(), unpack.Bytes([]byte(text)), int64(len(text)), info)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Names, want.Names) {
				t.Errorf("chunk %d, %q: view %v, full %v", chunk, text, got.Names, want.Names)
			}
			for _, n := range want.Names {
				found[n] = true
			}
		}
		// The cases must exercise what they are for.
		for _, n := range []string{"Hello", "Script", "Start", "Tail", "Gap", "OrMixed", "None", "Nocase", "Count"} {
			if !found[n] {
				t.Errorf("chunk %d: %s never found", chunk, n)
			}
		}
	}
}
