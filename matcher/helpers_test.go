package matcher

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"github.com/sigtool/sigtool/sigfile"
	"github.com/sigtool/sigtool/unpack"
)

// entry parses one database line with the real parser.
func entry(t testing.TB, kind sigfile.Kind, line string) sigfile.Entry {
	t.Helper()
	e, err := sigfile.ParseLine(kind, line)
	if err != nil {
		t.Fatalf("parse %s line %q: %v", kind, line, err)
	}
	return e
}

// splitInto, above 1, makes buildWith spread the entries round-robin over
// that many Segments (ignore entries go to every one, as the engine does)
// and Combine them: TestSegments runs the matcher tests that way.
var splitInto = 1

// buildWith builds a matcher with the given read size from entries.
func buildWith(t testing.TB, chunk int, es ...sigfile.Entry) *Matcher {
	t.Helper()
	bs := make([]*Builder, max(splitInto, 1))
	for i := range bs {
		bs[i] = NewBuilder()
		bs[i].chunk = chunk
	}
	k := 0
	for _, e := range es {
		to := bs
		if e.Ignore == nil {
			to = bs[k%len(bs) : k%len(bs)+1]
			k++
		}
		for _, b := range to {
			if err := b.Add(e); err != nil {
				t.Fatalf("Add: %v", err)
			}
		}
	}
	ctx := context.Background()
	var segs []*Segment
	for _, b := range bs {
		s, err := b.BuildSegment(ctx)
		if err != nil {
			t.Fatalf("BuildSegment: %v", err)
		}
		segs = append(segs, s)
	}
	m, err := Combine(ctx, segs...)
	if err != nil {
		t.Fatalf("Combine: %v", err)
	}
	return m
}

// ndb builds a matcher from .ndb lines.
func ndb(t testing.TB, chunk int, lines ...string) *Matcher {
	t.Helper()
	var es []sigfile.Entry
	for _, l := range lines {
		es = append(es, entry(t, sigfile.KindNDB, l))
	}
	return buildWith(t, chunk, es...)
}

// detect scans data both ways Detect reads: copied chunk by chunk through
// an io.ReaderAt, and in place (unpack.Bytes); the two must agree.
func detect(t testing.TB, m *Matcher, data []byte) []string {
	t.Helper()
	got, err := m.Detect(context.Background(), bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("Detect: %v", err)
	}
	inPlace, err := m.Detect(context.Background(), unpack.Bytes(data), int64(len(data)))
	if err != nil {
		t.Fatalf("Detect in place: %v", err)
	}
	if !slices.Equal(got, inPlace) {
		t.Fatalf("Detect: %v through io.ReaderAt, %v in place", got, inPlace)
	}
	return got
}

// chunkSizes are the read sizes every construct is tested with: tiny ones
// put chunk borders inside every pattern.
var chunkSizes = []int{1, 2, 3, 5, 7, 16, defaultChunk}

func sameNames(got, want []string) bool {
	if len(got) == 0 && len(want) == 0 {
		return true
	}
	w := slices.Clone(want)
	slices.Sort(w)
	return slices.Equal(got, w)
}

func bytesReaderAt(b []byte) *bytes.Reader { return bytes.NewReader(b) }
