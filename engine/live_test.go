package engine

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/sigtool/sigtool/sigdb"
)

func TestReloadFailureKeepsOld(t *testing.T) {
	ctx := context.Background()
	db := openStore(t)
	put(t, db, "static", 1, sigdb.ImportOptions{}, "static.ndb", ndbLine("Sigtool.Test.Static", "STATIC-FEED-MARKER"))
	putMarkers(t, db, 4)
	reg := prometheus.NewPedanticRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	live := NewLive(Options{Metrics: m, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err := live.Reload(ctx, db); err != nil {
		t.Fatal(err)
	}
	old := live.Current()

	// The store moves on, but reading it fails: the old snapshot serves.
	putMarkers(t, db, 5)
	err = live.Reload(ctx, &fakeSource{db: db, linesErr: sigdb.ErrCorrupt})
	if !errors.Is(err, sigdb.ErrCorrupt) || !errors.Is(err, ErrStore) {
		t.Fatalf("Reload = %v, want ErrStore wrapping sigdb.ErrCorrupt", err)
	}
	if live.Current() != old {
		t.Fatal("a failed reload replaced the snapshot")
	}
	if got := detect(t, live.Current(), swapPayload); !equalNames(got, markerWant(4)) {
		t.Errorf("after a failed reload found %v, want version 4's %v", got, markerWant(4))
	}
	check := func(name string, got, want float64) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	check("failures{store}", testutil.ToFloat64(m.failures.WithLabelValues("store")), 1)
	check("last_reload_successful", testutil.ToFloat64(m.lastOK), 0)
	check("generation", testutil.ToFloat64(m.generation), 1)
	check("feed_version{markers}", testutil.ToFloat64(m.versions.WithLabelValues("markers")), 4)
	if testutil.ToFloat64(m.lastFailure) == 0 {
		t.Error("last failure time not set")
	}
	if !strings.Contains(logs.String(), "previous matcher keeps serving") {
		t.Errorf("failure not logged:\n%s", logs.String())
	}

	// The next good reload catches up.
	if err := live.Reload(ctx, db); err != nil {
		t.Fatal(err)
	}
	check("last_reload_successful", testutil.ToFloat64(m.lastOK), 1)
	check("generation", testutil.ToFloat64(m.generation), 2)
	check("feed_version{markers}", testutil.ToFloat64(m.versions.WithLabelValues("markers")), 5)
	check("signatures{body}", testutil.ToFloat64(m.signatures.WithLabelValues("body")), 3)
	check("signatures{hash}", testutil.ToFloat64(m.signatures.WithLabelValues("hash")), 1)
	if n := testutil.CollectAndCount(m.reload); n != 1 {
		t.Errorf("reload histogram: %d series", n)
	}
	if testutil.ToFloat64(m.heap) <= 0 {
		t.Error("heap after swap not recorded")
	}
	if problems, err := testutil.GatherAndLint(reg); err != nil || len(problems) > 0 {
		t.Errorf("metric lint: %v %v", problems, err)
	}
}

func TestFailureReason(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{context.Canceled, "canceled"},
		{ErrStoreChanged, "changed"},
		{ErrStore, "store"},
		{ErrCompile, "compile"},
		{errors.New("x"), "other"},
	}
	for _, tc := range tests {
		if got := failureReason(tc.err); got != tc.want {
			t.Errorf("failureReason(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

// A nil *Metrics must be usable: the daemon's --once and tests pass none.
func TestNilMetrics(t *testing.T) {
	db := openStore(t)
	putMarkers(t, db, 2)
	live := NewLive(Options{})
	if err := live.Reload(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	if err := live.Reload(context.Background(), &fakeSource{db: db, feedsErr: errors.New("x")}); err == nil {
		t.Fatal("want an error")
	}
}
