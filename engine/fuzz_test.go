package engine

import (
	"bytes"
	"context"
	"testing"

	"github.com/sigtool/sigtool/sigdb"
	"github.com/sigtool/sigtool/sigfile"
)

// memSource is a Source of one feed holding one file, without a store.
type memSource struct {
	kind sigfile.Kind
	data []byte
}

func (m memSource) Feeds() ([]sigdb.FeedInfo, error) {
	return []sigdb.FeedInfo{{FeedMeta: sigdb.FeedMeta{Name: "fuzz", Version: 1}, Digest: "d",
		Files: []sigdb.FileRecord{{Name: "fuzz." + string(m.kind), Kind: string(m.kind)}}}}, nil
}

func (m memSource) ForEachLine(ctx context.Context, fn func(sigdb.Line) error) error {
	l := sigdb.Line{Feed: "fuzz", File: "fuzz." + string(m.kind), Kind: m.kind}
	for _, text := range bytes.Split(m.data, []byte{'\n'}) {
		l.No++
		l.Text = text
		if err := fn(l); err != nil {
			return err
		}
	}
	return nil
}

var fuzzKinds = []sigfile.Kind{sigfile.KindNDB, sigfile.KindLDB, sigfile.KindHDB, sigfile.KindHSB,
	sigfile.KindMDB, sigfile.KindMSB, sigfile.KindFP, sigfile.KindSFP, sigfile.KindIGN, sigfile.KindIGN2}

// FuzzCompile feeds arbitrary signature files through Compile and scans
// arbitrary data with the result: whatever the lines, compiling either
// fails with an error or gives a matcher that scans without panicking, and
// every line is accounted for.
func FuzzCompile(f *testing.F) {
	f.Add(uint8(0), []byte(ndbLine("Sigtool.Fuzz.A", "abcdef")+"bad line\n# comment\n"), []byte("xxabcdefxx"))
	f.Add(uint8(0), []byte("Sigtool.Fuzz.B:0:*:6162{2-4}6566??68(69|6a)\nSigtool.Fuzz.C:0:EOF-4:616263\n"), []byte("abxxefzhi"))
	f.Add(uint8(1), []byte("Sigtool.Fuzz.L;Engine:51-255,Target:0;0&1;616263;646566\n"), []byte("abc def"))
	f.Add(uint8(2), []byte("900150983cd24fb0d6963f7d28e17f72:3:Sigtool.Fuzz.H\n"), []byte("abc"))
	f.Add(uint8(9), []byte("Sigtool.Fuzz.A\n"), []byte("abcdef"))
	f.Fuzz(func(t *testing.T, k uint8, sigs, data []byte) {
		src := memSource{kind: fuzzKinds[int(k)%len(fuzzKinds)], data: sigs}
		s, err := CompileWith(context.Background(), src, Options{GCPercent: -1})
		if err != nil {
			return
		}
		if want := bytes.Count(sigs, []byte{'\n'}) + 1; s.Lines != want {
			t.Fatalf("read %d lines of %d", s.Lines, want)
		}
		if _, err := s.Detect(context.Background(), bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatalf("detect: %v", err)
		}
	})
}
