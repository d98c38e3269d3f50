package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sigtool/sigtool/clamd"
	"github.com/sigtool/sigtool/mailscan"

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
	mux.HandleFunc("POST /v1/mailscan", d.mailscan)
	return mux
}

// mailscan is POST /v1/mailscan: the body is one message, the query's
// rcpt (repeatable), direction and id are its envelope. The answer is 200
// with the message to deliver as the body (empty for "delete") and the
// verdict, clamd.MailReply as JSON, in the Sigtool-Mailscan header (the
// scan waits for one of the daemon's max_scans slots); 413
// over stream_max_length; 503 with the verdict as the body when the
// message could not be handled (the client keeps it and retries).
func (d *daemon) mailscan(w http.ResponseWriter, r *http.Request) {
	limit := d.mailLimit
	q := r.URL.Query()
	var args []string
	for _, k := range []string{"rcpt", "direction", "id"} {
		for _, v := range q[k] {
			args = append(args, k+"="+url.QueryEscape(v))
		}
	}
	env, err := clamd.ParseMailArgs(strings.Join(args, " "))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	msg, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		http.Error(w, fmt.Sprintf("message over stream_max_length (%d bytes)", limit), http.StatusRequestEntityTooLarge)
		return
	case err != nil:
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	release, err := d.slots.Acquire(r.Context())
	if err != nil {
		return // the client went away while it waited for a slot
	}
	rep, body := clamd.ScanMail(r.Context(), d.live, msg, env)
	release()
	j, _ := json.Marshal(rep)
	w.Header().Set("Sigtool-Mailscan", string(j))
	if rep.Action == mailscan.Error {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write(append(j, '\n'))
		return
	}
	w.Header().Set("Content-Type", "message/rfc822")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
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
