package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"reflect"
	"runtime/debug"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/sigtool/sigtool/daemonconfig"
	"github.com/sigtool/sigtool/engine"
	"github.com/sigtool/sigtool/feeds"
	"github.com/sigtool/sigtool/internal/buildinfo"
	"github.com/sigtool/sigtool/mailscan"
	"github.com/sigtool/sigtool/milter"
	"github.com/sigtool/sigtool/quarantine"
)

// daemon is sigupdated's long-running state. The fields marked "loop" are
// touched only by the goroutine running serve; the HTTP handlers read the
// rest, which are safe for concurrent use.
type daemon struct {
	flags *flags
	log   *slog.Logger
	store *store
	live  *engine.Live

	cfg *daemonconfig.Config // loop
	fm  *feeds.Metrics

	mirror     atomic.Pointer[feeds.Mirror]
	lastCycle  atomic.Pointer[cycleReport]
	policy     atomic.Pointer[mailscan.Policy] // for mail requests; SIGHUP replaces it
	mailLimit  int64                           // largest mail request: [scan] stream_max_length
	quarantine *quarantine.Store               // where mail requests and the milter keep removed originals
	milter     *milter.Server                  // nil without [milter]
	slots      *engine.Slots                   // max_scans, shared by the scan socket, /v1/mailscan and the milter

	stop    context.CancelFunc // SHUTDOWN
	reloads chan struct{}      // RELOAD and SELFCHECK

	reg        *prometheus.Registry
	configOK   prometheus.Gauge
	cycleFails prometheus.Counter

	random func() float64
	gc     *gcPolicy // loop
}

// cycleReport is what /healthz says about the last update cycle.
type cycleReport struct {
	started  time.Time
	Finished time.Time     `json:"finished"`
	Updated  int           `json:"updated"`
	Failed   int           `json:"failed"`
	Failures []feedFailure `json:"failures,omitempty"`
}

// feedFailure is one failed store feed of a cycle, so an operator (or a
// probe) sees why without reading the log: a 403 keeps the daemon running
// and the mirror cooled down, and this is where it shows.
type feedFailure struct {
	Feed   string `json:"feed"`             // the [[feed]] name
	DB     string `json:"db"`               // the store feed
	Reason string `json:"reason"`           // feeds.Reason: http-403, cooldown, md5, ...
	Mirror string `json:"mirror,omitempty"` // when one mirror gave the final answer
	Error  string `json:"error"`
}

// shutdownGrace bounds how long stopping waits for HTTP requests in flight.
const shutdownGrace = 5 * time.Second

func newDaemon(f *flags, cfg *daemonconfig.Config, st *store, log *slog.Logger) (*daemon, error) {
	d := &daemon{flags: f, log: log, store: st, cfg: cfg, reg: prometheus.NewRegistry(), random: rand.Float64,
		gc: newGCPolicy(os.Getenv)}
	var err error
	if d.fm, err = feeds.NewMetrics(d.reg); err != nil {
		return nil, err
	}
	em, err := engine.NewMetrics(d.reg)
	if err != nil {
		return nil, err
	}
	d.configOK = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "sigupdated_config_last_reload_successful", Help: "0 if the last SIGHUP found an invalid configuration (the previous one stays in use)."})
	d.cycleFails = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "sigupdated_cycles_with_failures_total", Help: "Update cycles in which at least one feed failed."})
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "sigupdated_build_info", Help: "Always 1; the version label says which sigupdated runs."}, []string{"version"})
	d.slots = engine.NewSlots(cfg.MaxScans)
	inFlight := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "sigupdated_scans_in_flight", Help: "Scans running now over every front end (at most max_scans)."},
		func() float64 { return float64(d.slots.Busy()) })
	peak := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "sigupdated_scans_in_flight_peak", Help: "The most scans that ran at once since the daemon started."},
		func() float64 { return float64(d.slots.Peak()) })
	for _, c := range []prometheus.Collector{d.configOK, d.cycleFails, build, inFlight, peak,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		if err := d.reg.Register(c); err != nil {
			return nil, err
		}
	}
	build.WithLabelValues(buildinfo.Version()).Set(1)
	d.configOK.Set(1)
	d.mirror.Store(feeds.NewMirror(&cfg.Config, reader{st}, log))
	opt, err := d.engineOptions(cfg)
	if err != nil {
		return nil, err
	}
	opt.Metrics = em
	d.live = engine.NewLive(opt)
	d.reloads = make(chan struct{}, 1)
	d.mailLimit = daemonconfig.DefaultStreamMaxLength
	if cfg.Scan != nil {
		d.mailLimit = int64(cfg.Scan.StreamMaxLength)
	}
	return d, nil
}

// serve runs until ctx ends: it opens the listeners, loads the matcher
// from the store, checks the feeds at once and then on schedule, and
// handles SIGHUP and SIGUSR1 arriving on sigs.
func (d *daemon) serve(ctx context.Context, sigs <-chan os.Signal) error {
	ctx, d.stop = context.WithCancel(ctx)
	defer d.stop()
	var servers []*http.Server
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		for _, s := range servers {
			_ = s.Shutdown(sctx)
		}
	}()
	start := func(what, addr string, h http.Handler) error {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return err
		}
		s := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
		servers = append(servers, s)
		d.log.Info("listening", "serves", what, "addr", ln.Addr().String())
		go func() {
			if err := s.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				d.log.Error("listener failed", "serves", what, "err", err)
			}
		}()
		return nil
	}
	if d.cfg.Listen != "" {
		if err := start("metrics", d.cfg.Listen, d.observability()); err != nil {
			return err
		}
	}
	if d.cfg.ServeMirror != "" {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { d.mirror.Load().ServeHTTP(w, r) })
		if err := start("mirror", d.cfg.ServeMirror, h); err != nil {
			return err
		}
	}

	// Serve what the store holds before asking the network for more.
	d.reload(ctx) // a failure is logged and counted; the next update retries
	// Like clamd, accept scans only once the signatures are loaded.
	waitScans, err := d.startScanService(ctx)
	if err != nil {
		return err
	}
	defer waitScans()
	stopMilter, err := d.startMilter()
	if err != nil {
		return err
	}
	defer stopMilter()
	d.log.Info("sigupdated started", "version", buildinfo.Version(), "db", d.cfg.DB, "feeds", len(d.cfg.Feeds), "checks_per_day", d.cfg.ChecksPerDay)
	d.noteLegacyQuarantine()

	d.cycle(ctx)
	timer := time.NewTimer(d.nextCheck())
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			d.log.Info("stopping")
			return nil
		case <-timer.C:
			d.cycle(ctx)
		case <-d.reloads:
			d.log.Info("matcher reload requested (RELOAD)")
			_ = d.reload(ctx)
		case s := <-sigs:
			switch s {
			case syscall.SIGHUP:
				d.reloadConfig()
			case syscall.SIGUSR1:
				d.log.Info("update check requested (SIGUSR1)")
				d.cycle(ctx)
			}
		}
		timer.Reset(d.nextCheck())
	}
}

func (d *daemon) nextCheck() time.Duration {
	delay := checkDelay(d.cfg.ChecksPerDay, d.random())
	d.log.Debug("next check scheduled", "in", delay.Round(time.Second))
	return delay
}

// reload compiles a new matcher from the store, opened shared for the
// read. A failure is logged and counted by the engine; the old matcher
// keeps serving.
func (d *daemon) reload(ctx context.Context) error {
	db, err := d.store.openRead()
	if err != nil {
		d.log.Error("cannot open the store to load the matcher", "db", d.store.path, "err", err)
		return err
	}
	defer db.Close()
	d.gc.beforeCompile()
	err = d.live.Reload(ctx, db)
	d.gc.afterReload(err == nil)
	return err
}

// cycle runs one update cycle and, when a feed changed, swaps in a matcher
// compiled from the new store content. The store is open for writing only
// during the cycle. Failures are logged by the updater and the engine and
// counted in their metrics.
func (d *daemon) cycle(ctx context.Context) {
	if ctx.Err() != nil {
		return
	}
	rep, err := d.update(ctx)
	if err != nil {
		d.cycleFails.Inc()
		if rep.Failed == 0 && ctx.Err() == nil {
			d.log.Error("update cycle failed", "err", err)
		}
	}
	if ctx.Err() != nil {
		return // stopping; the next start compiles from the store anyway
	}
	if rep.Updated > 0 || d.live.Current() == nil {
		// The import's garbage (parsed lines, transaction pages) goes back
		// to the system before the compile, so the reload's peak is the
		// matcher's alone (clamd TestReloadUnderLoad: 0.9x the steady
		// state after it, 1.75x without it).
		debug.FreeOSMemory()
		_ = d.reload(ctx)
	}
	d.lastCycle.Store(rep)
	d.log.Info("update cycle done", "updated", rep.Updated, "failed", rep.Failed, "took", time.Since(rep.started).Round(time.Millisecond))
	d.purgeQuarantine()
}

// update is the cycle's store part: open, run the updater, close.
func (d *daemon) update(ctx context.Context) (*cycleReport, error) {
	rep := &cycleReport{started: time.Now()}
	if len(d.cfg.Feeds) == 0 {
		rep.Finished = time.Now()
		return rep, nil
	}
	db, err := d.store.openWrite()
	if err != nil {
		rep.Finished = time.Now()
		return rep, fmt.Errorf("open the store: %w", err)
	}
	defer db.Close()
	u, err := feeds.New(&d.cfg.Config, db, feeds.Options{Logger: d.log, Metrics: d.fm, Version: buildinfo.Version()})
	if err != nil {
		return rep, err
	}
	sum, err := u.RunOnce(ctx)
	rep.Finished, rep.Failed = time.Now(), len(sum.Failed())
	for _, r := range sum.Results {
		switch r.Status {
		case feeds.StatusUpdated:
			rep.Updated++
		case feeds.StatusFailed:
			f := feedFailure{Feed: r.Feed, DB: r.Store, Reason: r.Reason, Mirror: r.Mirror}
			if r.Err != nil {
				f.Error = r.Err.Error()
			}
			rep.Failures = append(rep.Failures, f)
		}
	}
	return rep, err
}

// reloadConfig is SIGHUP: a new configuration replaces the running one
// only when it is valid as a whole.
func (d *daemon) reloadConfig() {
	cfg, err := d.flags.loadConfig()
	if err == nil {
		if cfg.DB != d.cfg.DB {
			d.log.Warn("a new db takes effect at restart; still using the old one", "db", d.cfg.DB, "configured", cfg.DB)
			cfg.DB = d.cfg.DB
		}
		if cfg.ServeMirror != d.cfg.ServeMirror {
			d.log.Warn("a new serve_mirror address takes effect at restart", "serving", d.cfg.ServeMirror, "configured", cfg.ServeMirror)
			cfg.ServeMirror = d.cfg.ServeMirror
		}
		if cfg.Listen != d.cfg.Listen {
			d.log.Warn("a new listen address takes effect at restart", "serving", d.cfg.Listen, "configured", cfg.Listen)
			cfg.Listen = d.cfg.Listen
		}
		if cfg.MaxScans != d.cfg.MaxScans {
			d.log.Warn("a new max_scans takes effect at restart", "serving", d.cfg.MaxScans, "configured", cfg.MaxScans)
			cfg.MaxScans = d.cfg.MaxScans
		}
	}
	if err != nil {
		d.configOK.Set(0)
		d.log.Error("configuration reload refused; the running configuration stays", "config", d.flags.config, "err", err)
		return
	}
	if d.milter != nil && cfg.Milter != nil {
		if err := d.setMilterPolicy(d.milter, cfg.Milter); err != nil {
			d.configOK.Set(0)
			d.log.Error("configuration reload refused; the running configuration stays", "config", d.flags.config, "err", err)
			return
		}
	}
	if d.cfg.Scan != nil || d.cfg.Listen != "" || d.cfg.Milter != nil {
		policy, perr := cfg.Mail.LoadPolicy()
		if perr != nil {
			d.configOK.Set(0)
			d.log.Error("configuration reload refused; the running configuration stays", "config", d.flags.config, "err", perr)
			return
		}
		d.policy.Store(&policy)
		d.requestReload() // the next snapshot's mail scanner takes the new policy
	}
	if !reflect.DeepEqual(cfg.Scan, d.cfg.Scan) || cfg.Mail.Quarantine != d.cfg.Mail.Quarantine {
		d.log.Warn("a new [scan] or [mail] quarantine takes effect at restart")
		cfg.Scan, cfg.Mail.Quarantine = d.cfg.Scan, d.cfg.Mail.Quarantine
	}
	if old, now := d.cfg.Milter, cfg.Milter; old != nil || now != nil {
		// Only the milter's policy file is reloaded; its socket and
		// answers stay as it started.
		if now != nil && old != nil {
			keep := *now
			keep.Policy = old.Policy
			if !reflect.DeepEqual(&keep, old) {
				d.log.Warn("a new [milter] (other than its policy) takes effect at restart")
			}
		} else {
			d.log.Warn("a new [milter] (other than its policy) takes effect at restart")
		}
		cfg.Milter = old
	}
	d.cfg = cfg
	d.mirror.Store(feeds.NewMirror(&cfg.Config, reader{d.store}, d.log))
	d.configOK.Set(1)
	d.log.Info("configuration reloaded", "config", d.flags.config, "feeds", len(cfg.Feeds), "checks_per_day", cfg.ChecksPerDay)
}
