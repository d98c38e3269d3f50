package engine

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sigtool/sigtool/sigdb"
)

func TestCompileUnloaded(t *testing.T) {
	ctx := context.Background()
	db := openStore(t)
	ndb := "# a comment\n\n" +
		ndbLine("Sigtool.Test.Good", "GOOD-MARKER-TEXT") +
		"Sigtool.Test.Bad:0:*:zz\n" + // not hex: imported only with SkipInvalid
		"Sigtool.Test.Future:0:*:4655545552452d4d41524b4552:250\n" // MinFL far above ours
	put(t, db, "local", 3, sigdb.ImportOptions{SkipInvalid: true},
		"local.ndb", ndb,
		"local.ndu", ndbLine("PUA.Test.Tool", "PUA-MARKER-TEXT"))
	data := []byte("xx GOOD-MARKER-TEXT yy PUA-MARKER-TEXT FUTURE-MARKER")

	tests := []struct {
		name     string
		opt      Options
		want     []string
		unloaded map[string]int
	}{
		{"default", Options{}, []string{"Sigtool.Test.Good"},
			map[string]int{UnloadInvalid: 1, UnloadSkip: 1, UnloadPUA: 1}},
		{"pua", Options{PUA: true}, []string{"PUA.Test.Tool", "Sigtool.Test.Good"},
			map[string]int{UnloadInvalid: 1, UnloadSkip: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := CompileWith(ctx, db, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if got := detect(t, s, data); !equalNames(got, tc.want) {
				t.Errorf("found %v, want %v", got, tc.want)
			}
			if fmt.Sprint(s.Unloaded) != fmt.Sprint(tc.unloaded) {
				t.Errorf("unloaded %v, want %v", s.Unloaded, tc.unloaded)
			}
			if len(s.Problems) != 1 || !strings.HasPrefix(s.Problems[0], "local local.ndb:4: ") {
				t.Errorf("problems %q, want one naming local.ndb:4", s.Problems)
			}
			if s.Lines != 6 {
				t.Errorf("read %d lines, want 6", s.Lines)
			}
			if v, ok := s.Version("local"); !ok || v != 3 {
				t.Errorf("version of local = %d, %v; want 3", v, ok)
			}
			if s.Built.IsZero() || s.Took <= 0 {
				t.Errorf("Built %v Took %v not set", s.Built, s.Took)
			}
		})
	}
}

// TestIgnoreListOrder: an .ign2 entry qualified by a line's MD5 applies
// even when its feed sorts after the feed holding the line.
func TestIgnoreListOrder(t *testing.T) {
	ctx := context.Background()
	lineA := strings.TrimSuffix(ndbLine("Sigtool.Test.A", "IGNORE-TEST-AAAA"), "\n")
	lineB := strings.TrimSuffix(ndbLine("Sigtool.Test.B", "IGNORE-TEST-BBBB"), "\n")
	lineC := strings.TrimSuffix(ndbLine("Sigtool.Test.C", "IGNORE-TEST-CCCC"), "\n")
	sumA := md5.Sum([]byte(lineA))
	wrong := md5.Sum([]byte("some other line"))
	data := []byte("IGNORE-TEST-AAAA IGNORE-TEST-BBBB IGNORE-TEST-CCCC")

	tests := []struct {
		name string
		ign2 string
		want []string
	}{
		{"none", "", []string{"Sigtool.Test.A", "Sigtool.Test.B", "Sigtool.Test.C"}},
		{"by md5", "Sigtool.Test.A:" + hex.EncodeToString(sumA[:]) + "\n", []string{"Sigtool.Test.B", "Sigtool.Test.C"}},
		{"md5 of another line", "Sigtool.Test.A:" + hex.EncodeToString(wrong[:]) + "\n", []string{"Sigtool.Test.A", "Sigtool.Test.B", "Sigtool.Test.C"}},
		{"by name", "Sigtool.Test.B\n", []string{"Sigtool.Test.A", "Sigtool.Test.C"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := openStore(t)
			put(t, db, "aaa", 1, sigdb.ImportOptions{}, "aaa.ndb", lineA+"\n"+lineB+"\n"+lineC+"\n")
			if tc.ign2 != "" {
				put(t, db, "zzz", 1, sigdb.ImportOptions{}, "zzz.ign2", tc.ign2)
			}
			s, err := Compile(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			if got := detect(t, s, data); !equalNames(got, tc.want) {
				t.Errorf("found %v, want %v", got, tc.want)
			}
		})
	}
}

// fakeSource is a store that fails or changes on demand.
type fakeSource struct {
	db       *sigdb.DB
	feedsErr error
	linesErr error
	changing bool // every Feeds call reports a new import time
	calls    int
}

func (f *fakeSource) Feeds() ([]sigdb.FeedInfo, error) {
	if f.feedsErr != nil {
		return nil, f.feedsErr
	}
	fs, err := f.db.Feeds()
	if f.changing {
		f.calls++
		for i := range fs {
			fs[i].Imported = fs[i].Imported.Add(time.Duration(f.calls) * time.Second)
		}
	}
	return fs, err
}

func (f *fakeSource) ForEachLine(ctx context.Context, fn func(sigdb.Line) error) error {
	if f.linesErr != nil {
		return f.linesErr
	}
	return f.db.ForEachLine(ctx, fn)
}

func TestCompileErrors(t *testing.T) {
	db := openStore(t)
	putMarkers(t, db, 1)
	broken := errors.New("disk on fire")
	canceled, cancel := context.WithCancel(context.Background())
	cancel()

	tests := []struct {
		name string
		ctx  context.Context
		src  *fakeSource
		want error
	}{
		{"feeds fail", context.Background(), &fakeSource{db: db, feedsErr: broken}, ErrStore},
		{"lines fail", context.Background(), &fakeSource{db: db, linesErr: sigdb.ErrCorrupt}, sigdb.ErrCorrupt},
		{"store keeps changing", context.Background(), &fakeSource{db: db, changing: true}, ErrStoreChanged},
		{"canceled", canceled, &fakeSource{db: db}, context.Canceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Compile(tc.ctx, tc.src)
			if !errors.Is(err, tc.want) || s != nil {
				t.Fatalf("Compile = %v, %v; want an error wrapping %v", s, err, tc.want)
			}
			if tc.src.changing && tc.src.calls != 2*maxAttempts {
				t.Errorf("read the feed list %d times, want %d", tc.src.calls, 2*maxAttempts)
			}
		})
	}
}
