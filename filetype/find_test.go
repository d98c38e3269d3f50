package filetype

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// findEach is the plain search the index must agree with: every
// signature tried at every offset it may start at, the first match kept.
func findEach(data []byte, sigs []typeSig) []found {
	var out []found
	for i, s := range sigs {
		starts := []int{s.from}
		switch {
		case s.eof > 0:
			starts = []int{len(data) - s.eof}
		case s.to != s.from:
			starts = nil
			for p := s.from; p < len(data) && (s.to < 0 || p <= s.to); p++ {
				starts = append(starts, p)
			}
		}
		for _, p := range starts {
			if end, ok := s.pat.matchAt(data, p); ok {
				out = append(out, found{t: s.t, start: p, end: end, sigIndex: i})
				break
			}
		}
	}
	slices.SortStableFunc(out, func(a, b found) int { return a.end - b.end })
	return out
}

func TestSigIndexFind(t *testing.T) {
	xml := `<?xml version="1.0"?><w:document><w:body><a:blip r:embed="x"/>` + strings.Repeat(`<w:p><w:r><w:t>text</w:t></w:r></w:p>`, 40) + `</w:body></w:document>`
	for _, tc := range []struct{ name, data string }{
		{"empty", ""},
		{"xml", xml},
		{"html late", xml + "<script>x</script><IFRAME src=1><a href=x>"},
		{"html twice", "<html><html><img src=a><img src=b>"},
		{"mail", "x\nFrom: a@b\nMIME-Version: 1.0\nContent-Type: text/plain\n\nbody"},
		{"pe behind", "junk MZ" + strings.Repeat("\x00", 70) + "PE\x00\x00"},
		{"pdf inside", "prefix %PDF-1.4 and %pdf-1.7"},
		{"tail", strings.Repeat("a", 600) + "koly" + strings.Repeat("b", 508)},
		{"at offset", strings.Repeat("\x00", 510) + "\x55\xaa"},
		{"sfx", "stub PK\x03\x04 Rar!\x1a\x07\x00 7z\xbc\xaf\x27\x1c"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := typeSigIndex.find([]byte(tc.data))
			want := findEach([]byte(tc.data), typeSigs)
			if !slices.Equal(got, want) {
				t.Errorf("find = %v, want %v", got, want)
			}
		})
	}
}

// FuzzSigIndexFind checks the index against the plain search on any input.
func FuzzSigIndexFind(f *testing.F) {
	f.Add([]byte("<html><script>\nFrom: x\nMIME-Version: 1.0\nContent-Type: y\n"))
	f.Add([]byte("MZ\x00\x00PE\x00\x00%PDF-1.2PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, want := typeSigIndex.find(data), findEach(data, typeSigs); !slices.Equal(got, want) {
			t.Fatalf("find = %v, want %v", got, want)
		}
	})
}

// benchText is XML of an office document's kind: most bytes are tags.
func benchText(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n")
	words := []string{"Report", "the", "Data", "of", "Meeting", "Income", "Plan"}
	for b.Len() < n {
		b.WriteString(`<w:p w:rsidR="00A1"><w:pPr><w:pStyle w:val="Normal"/></w:pPr><w:r><w:t>`)
		for range 1 + r.IntN(8) {
			b.WriteString(words[r.IntN(len(words))] + " ")
		}
		b.WriteString("</w:t></w:r></w:p>\n")
	}
	return b.Bytes()[:n]
}

func BenchmarkIdentifyText(b *testing.B) {
	head := benchText(HeadSize)
	b.SetBytes(int64(len(head)))
	for b.Loop() {
		Identify(head)
	}
}

func BenchmarkFoundText(b *testing.B) {
	text := benchText(64 << 10)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Found(bytes.NewReader(text), int64(len(text)), TextASCII)
	}
}

// matchPlain is the straightforward search pattern.matchAt must agree
// with: every gap length tried in turn, no byte searched for.
func matchPlain(p *pattern, data []byte, start int) (int, bool) {
	var place func(k, at int) (int, bool)
	place = func(k, at int) (int, bool) {
		if k == len(p.parts) {
			return at, true
		}
		g := p.gaps[k-1]
		for s := at + g.min; g.max < 0 || s <= at+g.max; s++ {
			if s+len(p.parts[k]) > len(data) {
				break
			}
			if partAt(p.parts[k], data, s) {
				if end, ok := place(k+1, s+len(p.parts[k])); ok {
					return end, true
				}
			}
		}
		return 0, false
	}
	if !partAt(p.parts[0], data, start) {
		return 0, false
	}
	return place(1, start+len(p.parts[0]))
}

// fuzzPattern turns spec into a pattern over a small alphabet, so that
// its parts occur in short inputs: a spec byte is a gap when its top bits
// say so, else a byte 'a'-'d' (or "??"); the probe is its rarest byte.
func fuzzPattern(spec []byte) (pattern, bool) {
	var b strings.Builder
	for i, c := range spec {
		switch {
		case c >= 0xf0 && i > 0:
			b.WriteString("*")
		case c >= 0xc0 && i > 0:
			fmt.Fprintf(&b, "{%d-%d}", c&3, int(c&3)+int(c>>2&7))
		case c >= 0xb0:
			b.WriteString("??")
		default:
			fmt.Fprintf(&b, "%02x", 'a'+c%4)
		}
	}
	p, err := parsePattern(b.String())
	return p, err == nil
}

// FuzzPatternMatch checks the probed gap search against matchPlain, for
// the table's patterns and for patterns made from the input.
func FuzzPatternMatch(f *testing.F) {
	f.Add([]byte("ab\xc5ca"), []byte("abxxcaab<Workbook"))
	f.Add([]byte("a\xf0\xb0b\xc1c"), []byte("<?xml version=\"1.0\"?>\n<x:Workbook>"))
	f.Add([]byte{1, 2, 0xc7, 3}, []byte("MZ"+strings.Repeat("b", 80)+"PE\x00\x00"))
	f.Fuzz(func(t *testing.T, spec, data []byte) {
		// The plain search is cubic and more in its gaps: inputs stay short
		// enough for the fuzzer to run many, shorter still for the
		// patterns made from spec, which may have several "*".
		if len(data) > 4096 {
			return
		}
		check := func(p *pattern, data []byte) {
			for start := range len(data) + 1 {
				gotEnd, got := p.matchAt(data, start)
				wantEnd, want := matchPlain(p, data, start)
				if got != want || gotEnd != wantEnd {
					t.Fatalf("pattern %v at %d: matchAt = %d, %v; plain = %d, %v", p.parts, start, gotEnd, got, wantEnd, want)
				}
			}
		}
		for i := range typeSigs {
			check(&typeSigs[i].pat, data)
		}
		if p, ok := fuzzPattern(spec); ok {
			check(&p, data[:min(len(data), 256)])
		}
	})
}
