package engine

import (
	"context"
	"errors"
	"runtime/metrics"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the engine's Prometheus series. A nil *Metrics records
// nothing.
type Metrics struct {
	reload      prometheus.Histogram
	lastSuccess prometheus.Gauge
	lastFailure prometheus.Gauge
	lastOK      prometheus.Gauge
	failures    *prometheus.CounterVec
	generation  prometheus.Gauge
	signatures  *prometheus.GaugeVec
	patterns    prometheus.Gauge
	unloaded    *prometheus.GaugeVec
	heap        prometheus.Gauge
	versions    *prometheus.GaugeVec
}

// NewMetrics registers the engine's series with reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		reload: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "sigupdated_engine_reload_duration_seconds",
			Help:    "Time from the start of a reload (reading the store) to the new matcher serving.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 14), // 10 ms .. ~80 s
		}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "sigupdated_engine_last_reload_success_timestamp_seconds", Help: "Unix time of the last successful matcher swap."}),
		lastFailure: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "sigupdated_engine_last_reload_failure_timestamp_seconds", Help: "Unix time of the last failed reload (the old matcher kept serving); 0 if none."}),
		lastOK: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "sigupdated_engine_last_reload_successful", Help: "1 if the last reload swapped in a new matcher, 0 if it failed and the old one serves."}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sigupdated_engine_reload_failures_total", Help: "Failed reloads by reason (store, changed, compile, canceled)."}, []string{"reason"}),
		generation: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "sigupdated_engine_generation", Help: "Number of the serving snapshot (1 after the first load)."}),
		signatures: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sigupdated_engine_signatures", Help: "Signatures in the serving matcher by kind."}, []string{"kind"}),
		patterns: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "sigupdated_engine_patterns", Help: "Compiled body patterns in the serving matcher."}),
		unloaded: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sigupdated_engine_unloaded_lines", Help: "Stored signature lines the serving matcher does not hold, by reason."}, []string{"reason"}),
		heap: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "sigupdated_engine_heap_bytes", Help: "Live heap right after the last swap and collection: the matcher's size plus the process's baseline."}),
		versions: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sigupdated_engine_feed_version", Help: "Version of each store feed in the serving matcher."}, []string{"feed"}),
	}
	for _, c := range []prometheus.Collector{m.reload, m.lastSuccess, m.lastFailure, m.lastOK, m.failures,
		m.generation, m.signatures, m.patterns, m.unloaded, m.heap, m.versions} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// failureReason names err for the failures metric.
func failureReason(err error) string {
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "canceled"
	case errors.Is(err, ErrStoreChanged):
		return "changed"
	case errors.Is(err, ErrStore):
		return "store"
	case errors.Is(err, ErrCompile):
		return "compile"
	}
	return "other"
}

func (m *Metrics) failed(err error, now time.Time) {
	if m == nil {
		return
	}
	m.failures.WithLabelValues(failureReason(err)).Inc()
	m.lastFailure.Set(float64(now.Unix()))
	m.lastOK.Set(0)
}

func (m *Metrics) swapped(s *Snapshot, took time.Duration, now time.Time) {
	if m == nil {
		return
	}
	m.reload.Observe(took.Seconds())
	m.lastSuccess.Set(float64(now.Unix()))
	m.lastOK.Set(1)
	m.generation.Set(float64(s.Generation))
	st := s.Stats()
	for kind, n := range map[string]int{
		"hash": st.HashSigs, "section_hash": st.SectionHashSigs, "allow": st.AllowHashes,
		"body": st.BodySigs, "logical": st.LogicalSigs, "ignore": st.IgnoreEntries,
	} {
		m.signatures.WithLabelValues(kind).Set(float64(n))
	}
	m.patterns.Set(float64(st.Patterns))
	m.unloaded.Reset()
	for r, n := range s.Unloaded {
		m.unloaded.WithLabelValues(r).Set(float64(n))
	}
	// A feed gone from the store must not keep reporting its old version.
	m.versions.Reset()
	for f, v := range s.Versions {
		m.versions.WithLabelValues(f).Set(float64(v))
	}
}

func (m *Metrics) heapAfterSwap() {
	if m == nil {
		return
	}
	m.heap.Set(float64(liveHeap()))
}

// liveHeap is the bytes of heap objects, read without stopping the world.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
