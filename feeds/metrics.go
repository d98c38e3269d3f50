package feeds

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the updater's Prometheus series. A nil *Metrics records
// nothing, so tests and one-shot runs need none.
type Metrics struct {
	version     *prometheus.GaugeVec
	lastSuccess *prometheus.GaugeVec
	failures    *prometheus.CounterVec
	cooldown    *prometheus.GaugeVec
	verified    *prometheus.GaugeVec
	requests    prometheus.Counter
	bytes       prometheus.Counter
}

// NewMetrics registers the updater's series with reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		version: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sigupdated_feed_version", Help: "Version of each store feed after the last cycle."}, []string{"feed"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sigupdated_feed_last_success_timestamp_seconds", Help: "Unix time of the last cycle that left the feed up to date."}, []string{"feed"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sigupdated_feed_failures_total", Help: "Failed feed updates by reason (connect, timeout, http-403, md5, signature, ...)."}, []string{"feed", "reason"}),
		cooldown: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sigupdated_mirror_cooldown_until_timestamp_seconds", Help: "End of a mirror's cool-down; 0 when none."}, []string{"mirror"}),
		verified: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sigupdated_feed_verification", Help: "1 for the method that verified the feed's last update (sign, rsa, info, ed25519, sha256)."}, []string{"feed", "method"}),
		requests: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sigupdated_http_requests_total", Help: "HTTP requests sent to mirrors."}),
		bytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sigupdated_download_bytes_total", Help: "Bytes downloaded from mirrors."}),
	}
	for _, c := range []prometheus.Collector{m.version, m.lastSuccess, m.failures, m.cooldown, m.verified, m.requests, m.bytes} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *Metrics) record(r FeedResult, now time.Time) {
	if m == nil {
		return
	}
	if r.Status == StatusFailed {
		m.failures.WithLabelValues(r.Store, r.Reason).Inc()
	} else {
		m.lastSuccess.WithLabelValues(r.Store).Set(float64(now.Unix()))
	}
	if r.To > 0 {
		m.version.WithLabelValues(r.Store).Set(float64(r.To))
	}
	if r.Verified != "" {
		m.verified.DeletePartialMatch(prometheus.Labels{"feed": r.Store})
		m.verified.WithLabelValues(r.Store, r.Verified).Set(1)
	}
}

func (m *Metrics) setCooldown(mirror string, until time.Time) {
	if m == nil {
		return
	}
	v := 0.0
	if !until.IsZero() {
		v = float64(until.Unix())
	}
	m.cooldown.WithLabelValues(mirror).Set(v)
}

func (m *Metrics) request() {
	if m != nil {
		m.requests.Inc()
	}
}

func (m *Metrics) downloaded(n int64) {
	if m != nil {
		m.bytes.Add(float64(n))
	}
}
