package feeds

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// One feed's failure does not stop the others; the error says which failed
// and the metrics count it by reason.
func TestRunOnceIsolatesFeeds(t *testing.T) {
	good := newMock(t)
	serveCVD(t, good, 6, true)
	dead := newMock(t)
	deadURL := dead.URL()
	dead.srv.Close()

	e := newEnv(t, false)
	e.cfg.Feeds = []FeedConfig{
		{Name: "broken", Type: TypeClamAV, Mirrors: []string{deadURL}, Databases: []string{"daily"}},
		{Name: "test", Type: TypeClamAV, Mirrors: []string{good.URL()}, Databases: []string{"test"}},
	}
	reg := prometheus.NewRegistry()
	met, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	u, err := New(e.cfg, e.store, Options{Metrics: met, Logger: slog.New(slog.NewTextHandler(e.log, nil)), Now: func() time.Time { return e.now }})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := u.RunOnce(context.Background())
	if !errors.Is(err, ErrConnect) {
		t.Fatalf("err %v", err)
	}
	if len(sum.Results) != 2 || sum.Results[0].Status != StatusFailed || sum.Results[1].Status != StatusUpdated {
		t.Fatalf("results %+v", sum.Results)
	}
	if f := sum.Failed(); len(f) != 1 || f[0].Store != "daily" {
		t.Errorf("Failed() = %+v", f)
	}
	e.assertAt(6)
	if v := value(t, met.version.WithLabelValues("test")); v != 6 {
		t.Errorf("version gauge %v", v)
	}
	if v := value(t, met.failures.WithLabelValues("daily", "connect")); v != 1 {
		t.Errorf("failures{daily,connect} = %v", v)
	}
	if v := value(t, met.verified.WithLabelValues("test", "sign")); v != 1 {
		t.Errorf("verification gauge %v", v)
	}
	if v := value(t, met.lastSuccess.WithLabelValues("test")); v != float64(e.now.Unix()) {
		t.Errorf("last success %v", v)
	}
}

// A cancelled cycle stops and leaves the store as it was.
func TestRunOnceCancelled(t *testing.T) {
	m := newMock(t)
	serveChain(t, m, 2, 6, true)
	advertise(t, m, 6)
	e := newEnv(t, false, m.URL())
	e.seed(1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := e.updater().RunOnce(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	e.assertAt(1)
	e.assertNoTempFiles()
}

// A store that refuses the write (here: the fake failing) leaves the
// result failed with reason "store".
func TestStoreFailure(t *testing.T) {
	m := newMock(t)
	serveCVD(t, m, 6, true)
	e := newEnv(t, true, m.URL())
	e.store.(*memStore).fail = errors.New("disk full")
	r, err := e.run()
	if !errors.Is(err, ErrStore) || r.Reason != "store" {
		t.Fatalf("err %v reason %q", err, r.Reason)
	}
	if e.version() != 0 {
		t.Fatal("stored")
	}
}

func TestReason(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{&StatusError{Code: 403}, "http-403"},
		{&StatusError{Code: 503}, "http-503"},
		{&CoolDownError{}, "cooldown"},
		{ErrStalled, "timeout"},
		{ErrConnTimeout, "timeout"},
		{ErrConnect, "connect"},
		{ErrLength, "length"},
		{ErrMD5, "md5"},
		{ErrGzip, "gzip"},
		{ErrSignature, "signature"},
		{ErrCdiff, "cdiff"},
		{ErrInfo, "info"},
		{ErrRollback, "rollback"},
		{errors.New("x"), "other"},
	}
	for _, c := range cases {
		if got := Reason(c.err); got != c.want {
			t.Errorf("Reason(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

func value(t *testing.T, m prometheus.Metric) float64 {
	t.Helper()
	var d dto.Metric
	if err := m.Write(&d); err != nil {
		t.Fatal(err)
	}
	if d.Gauge != nil {
		return d.Gauge.GetValue()
	}
	return d.Counter.GetValue()
}
