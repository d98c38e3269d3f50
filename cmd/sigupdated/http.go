package main

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// health is the /healthz body.
type health struct {
	Status     string         `json:"status"`
	Generation uint64         `json:"generation,omitempty"`
	Built      time.Time      `json:"built,omitzero"`
	Versions   map[string]int `json:"versions,omitempty"`
	LastCycle  *cycleReport   `json:"last_cycle,omitempty"`
}

// observability is the --listen handler: /metrics and /healthz.
func (d *daemon) observability() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(d.reg, promhttp.HandlerOpts{ErrorLog: nil}))
	mux.HandleFunc("GET /healthz", d.healthz)
	return mux
}

// healthz is 200 while a matcher serves, even a stale one (the metrics say
// how stale), and 503 before the first one loaded: a load balancer should
// route scans only to a daemon that can answer them.
func (d *daemon) healthz(w http.ResponseWriter, r *http.Request) {
	h := health{Status: "ok", LastCycle: d.lastCycle.Load()}
	code := http.StatusOK
	if s := d.live.Current(); s != nil {
		h.Generation, h.Built, h.Versions = s.Generation, s.Built, s.Versions
	} else {
		h.Status, code = "no matcher loaded", http.StatusServiceUnavailable
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(h)
}
