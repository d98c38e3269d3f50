package engine

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/sigtool/sigtool/matcher"
	"github.com/sigtool/sigtool/sigdb"
)

// TestSegmentReuse: a compile given the serving snapshot rebuilds only the
// groups whose lines changed, and what it serves equals a compile from
// scratch: verdicts, counts and the line numbers of problems.
func TestSegmentReuse(t *testing.T) {
	ctx := context.Background()
	db := openStore(t)
	body := matcher.GenerateBodySigs(20_000, 3)
	hashes := matcher.GenerateHashSigs(150_000, 4)
	var hdb []string
	for _, h := range hashes {
		if strings.IndexByte(h, ':') == 32 {
			hdb = append(hdb, h)
		}
	}
	version := func(v int, ndb []string, daily string, extra ...string) {
		files := append([]string{
			"main.ndb", strings.Join(ndb, "\n") + "\n" + "Sigtool.Test.Bad:0:*:zz\n" + ndbLine("Sigtool.Test.Last", marker(3)),
			"main.hdb", strings.Join(hdb, "\n") + "\n",
			"daily.ndb", daily,
		}, extra...)
		put(t, db, "feed", v, sigdb.ImportOptions{SkipInvalid: true}, files...)
	}
	data := []byte(marker(1) + " " + marker(2) + " " + marker(3) + " " + marker(4))

	// Version 1: marker 1 in the middle of main.ndb, 3 at its end, 4 daily.
	v1 := append(append(append([]string{}, body[:10_000]...), strings.TrimSuffix(ndbLine("Sigtool.Test.Mid", marker(1)), "\n")), body[10_000:]...)
	version(1, v1, ndbLine("Sigtool.Test.Daily", marker(4)))
	s1, err := compile(ctx, db, Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s1.Reused != 0 || s1.Segments < 8 {
		t.Fatalf("first compile: %d segments, %d reused; want several, none reused", s1.Segments, s1.Reused)
	}

	// Version 2: marker 1 deleted, marker 2 inserted near the start, a new
	// daily file.
	v2 := append(append(append([]string{}, body[:500]...), strings.TrimSuffix(ndbLine("Sigtool.Test.New", marker(2)), "\n")), body[500:]...)
	version(2, v2, ndbLine("Sigtool.Test.Daily2", marker(4)))
	steps := []struct {
		name      string
		opt       Options
		extra     []string
		want      []string
		minReused int
	}{
		{"lines changed", Options{}, nil, []string{"Sigtool.Test.Daily2", "Sigtool.Test.Last", "Sigtool.Test.New"}, s1.Segments - 6},
		{"ignore list added", Options{}, []string{"local.ign2", "Sigtool.Test.New\n"}, []string{"Sigtool.Test.Daily2", "Sigtool.Test.Last"}, 0},
		{"PUA turned on", Options{PUA: true}, []string{"local.ign2", "Sigtool.Test.New\n"}, []string{"Sigtool.Test.Daily2", "Sigtool.Test.Last"}, 0},
	}
	prev := s1
	for i, st := range steps {
		if st.extra != nil {
			version(3+i, v2, ndbLine("Sigtool.Test.Daily2", marker(4)), st.extra...)
		}
		got, err := compile(ctx, db, st.opt, prev)
		if err != nil {
			t.Fatal(err)
		}
		fresh, err := compile(ctx, db, st.opt, nil)
		if err != nil {
			t.Fatal(err)
		}
		if st.minReused > 0 && got.Reused < st.minReused {
			t.Errorf("%s: reused %d of %d segments, want at least %d", st.name, got.Reused, got.Segments, st.minReused)
		}
		if st.minReused == 0 && got.Reused != 0 {
			t.Errorf("%s: reused %d segments built with other ignore lists or options", st.name, got.Reused)
		}
		if names := detect(t, got, data); !equalNames(names, st.want) {
			t.Errorf("%s: found %v, want %v", st.name, names, st.want)
		}
		if names, want := detect(t, got, data), detect(t, fresh, data); !equalNames(names, want) {
			t.Errorf("%s: reusing found %v, from scratch %v", st.name, names, want)
		}
		if !reflect.DeepEqual(got.Stats(), fresh.Stats()) {
			t.Errorf("%s: stats %+v, from scratch %+v", st.name, got.Stats(), fresh.Stats())
		}
		if got.Lines != fresh.Lines || !reflect.DeepEqual(got.Unloaded, fresh.Unloaded) || !reflect.DeepEqual(got.Problems, fresh.Problems) {
			t.Errorf("%s: lines %d %v %q, from scratch %d %v %q", st.name, got.Lines, got.Unloaded, got.Problems, fresh.Lines, fresh.Unloaded, fresh.Problems)
		}
		if len(got.Problems) != 1 || !strings.HasPrefix(got.Problems[0], "feed main.ndb:20002: ") {
			t.Errorf("%s: problems %q, want the bad line at main.ndb:20002", st.name, got.Problems)
		}
		t.Logf("%s: %d segments, %d reused", st.name, got.Segments, got.Reused)
		prev = got
	}
}
