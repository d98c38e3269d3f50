package scan

import (
	"context"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sigtool/sigtool/filetype"
	"github.com/sigtool/sigtool/matcher"
	"github.com/sigtool/sigtool/sigfile"
	"github.com/sigtool/sigtool/unpack"
)

// checkTextAlphabet fails unless norm is what matcher.ForNormalizedText
// takes normalised text to be: bytes 0x20-0x7f, no upper-case letter, no
// two spaces in a row.
func checkTextAlphabet(t *testing.T, in, norm []byte) {
	t.Helper()
	for i, c := range norm {
		if c < 0x20 || c > 0x7f || ('A' <= c && c <= 'Z') || (c == ' ' && i > 0 && norm[i-1] == ' ') {
			t.Fatalf("normalised %q has %q at %d", in[:min(len(in), 80)], c, i)
		}
	}
}

func TestNormalizedTextAlphabet(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	all := make([]byte, 0, 3*256*256)
	for a := range 256 {
		for b := range 256 {
			all = append(all, byte(a), byte(b), ' ')
		}
	}
	in := make([]byte, 3*normChunk+5)
	for i := range in {
		in[i] = byte(r.Uint32())
	}
	for _, data := range [][]byte{all, in, []byte(" \t \r\n \x00 \x80 X")} {
		norm, err := normalizeText(unpack.Bytes(data), int64(len(data)), nil)
		if err != nil {
			t.Fatal(err)
		}
		checkTextAlphabet(t, data, norm)
	}
}

func FuzzNormalizedTextAlphabet(f *testing.F) {
	f.Add([]byte("A  \t\nb\x7f\x80"))
	f.Fuzz(func(t *testing.T, data []byte) {
		norm, err := normalizeText(unpack.Bytes(data), int64(len(data)), nil)
		if err != nil {
			t.Fatal(err)
		}
		checkTextAlphabet(t, data, norm)
	})
}

// plainDetector hides the matcher's type, so that an engine over it
// matches normalised text with the whole matcher.
type plainDetector struct{ m *matcher.Matcher }

func (p plainDetector) Match(ctx context.Context, r io.ReaderAt, size int64, info filetype.Info) (matcher.Result, error) {
	return p.m.Match(ctx, r, size, info)
}

// TestTextDetector: the engine matches normalised text with the
// matcher's ForNormalizedText view, and finds what the whole matcher
// finds, raw and normalised.
func TestTextDetector(t *testing.T) {
	m := linesMatcher(t, []sigLine{
		{sigfile.KindNDB, "Raw.Upper:0:*:48454c4c4f"},                         // "HELLO": raw only
		{sigfile.KindNDB, "Norm.Lower:7:*:68656c6c6f20776f726c64"},            // "hello world": normalised only
		{sigfile.KindNDB, "Both:0:*:6576616c28"},                              // "eval("
		{sigfile.KindNDB, "Raw.Tab:0:*:610962"},                               // "a\tb"
		{sigfile.KindNDB, "Exe:1:*:6576616c28"},                               // never on text
		{sigfile.KindLDB, "Mixed;Engine:51-255,Target:0;0|1;5a5a5a;7a7a7a20"}, // "ZZZ" or "zzz "
	})
	e, plain := New(m, DefaultOptions()), New(plainDetector{m}, DefaultOptions())
	for _, tc := range []struct{ name, data, want string }{
		{"hello", "say HELLO   World now", "hello Raw.Upper Norm.Lower\n"},
		{"eval", "x = eval(1); EVAL(2); a\tb", "eval Both Raw.Tab Both\n"},
		{"zzz", "ZZZ\n\nend of it", "zzz Mixed Mixed\n"},
		{"none", strings.Repeat("plain text ", 50), "none\n"},
	} {
		got := outline(scanBytes(t, e, tc.name, []byte(tc.data)))
		if want := outline(scanBytes(t, plain, tc.name, []byte(tc.data))); got != want {
			t.Errorf("%s: with the view\n%s\nwith the whole matcher\n%s", tc.name, got, want)
		}
		if got != tc.want {
			t.Errorf("%s:\n%s\nwant\n%s", tc.name, got, tc.want)
		}
	}
	if e.textDetector() == Detector(m) {
		t.Errorf("the engine matches normalised text with the whole matcher")
	}
}
