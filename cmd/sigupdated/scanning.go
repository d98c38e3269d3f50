package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"

	"github.com/sigtool/sigtool/clamd"
	"github.com/sigtool/sigtool/daemonconfig"
	"github.com/sigtool/sigtool/engine"
	"github.com/sigtool/sigtool/internal/buildinfo"
	"github.com/sigtool/sigtool/mailscan"
	"github.com/sigtool/sigtool/milter"
	"github.com/sigtool/sigtool/quarantine"
	"github.com/sigtool/sigtool/scan"
)

// engineOptions are the snapshot options the configuration makes: the
// [scan] limits (clamd's defaults without one), mail scanned inside, and
// the mail scanner every snapshot carries for mail requests.
func (d *daemon) engineOptions(cfg *daemonconfig.Config) (engine.Options, error) {
	opt := engine.Options{Logger: d.log}
	sopt := scan.DefaultOptions()
	sopt.Expand = scan.ExpandMail
	if cfg.Scan != nil {
		sopt, opt.PUA, opt.CleanCache = cfg.Scan.Options(), cfg.Scan.PUA, cfg.Scan.CleanCache()
	}
	opt.Scan = &sopt
	if cfg.Scan == nil && cfg.Listen == "" && cfg.Milter == nil {
		return opt, nil // nobody can send mail: no quarantine to open
	}
	policy, err := cfg.Mail.LoadPolicy()
	if err != nil {
		return opt, err
	}
	d.policy.Store(&policy)
	q, err := quarantine.OpenShared(cfg.Mail.QuarantinePath(cfg.DB))
	if err != nil {
		return opt, fmt.Errorf("[mail] quarantine: %w", err)
	}
	d.quarantine = q
	opt.Mail = func(e *scan.Engine) *mailscan.Scanner { return mailscan.NewScanner(e, *d.policy.Load(), q) }
	return opt, nil
}

// startScanService opens the [scan] listeners and serves them until ctx
// ends; the returned function waits for the connections in flight.
func (d *daemon) startScanService(ctx context.Context) (wait func(), err error) {
	cfg := d.cfg.Scan
	if cfg == nil {
		return func() {}, nil
	}
	srv := clamd.New(cfg, clamd.Options{
		Engine:   d.live,
		Version:  buildinfo.Version(),
		Reload:   d.requestReload,
		Stale:    d.stale,
		Shutdown: d.stop,
		TempDir:  d.cfg.TempDir,
		Slots:    d.slots,
		Logger:   d.log,
	})
	lns, err := srv.Listen()
	if err != nil {
		return nil, err
	}
	var wg sync.WaitGroup
	for _, ln := range lns {
		d.log.Info("listening", "serves", "scan", "network", ln.Addr().Network(), "addr", ln.Addr().String())
		wg.Go(func() {
			if err := srv.Serve(ctx, ln); err != nil && !errors.Is(err, net.ErrClosed) {
				d.log.Error("scan listener failed", "err", err)
			}
		})
	}
	return func() { wg.Wait(); srv.Wait() }, nil
}

// startMilter opens the [milter] socket; the returned function stops it,
// waiting a moment for the messages in flight (the MTA answers the rest
// with its milter_default_action).
func (d *daemon) startMilter() (stop func(), err error) {
	cfg := d.cfg.Milter
	if cfg == nil {
		return func() {}, nil
	}
	srv := milter.New(cfg, milter.Options{Engine: d.live, Quarantine: d.quarantine, Slots: d.slots, Logger: d.log})
	if err := d.setMilterPolicy(srv, cfg); err != nil {
		return nil, err
	}
	addr, err := srv.Start()
	if err != nil {
		return nil, err
	}
	d.milter = srv
	d.log.Info("listening", "serves", "milter", "network", addr.Network(), "addr", addr.String())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}

// setMilterPolicy gives the milter its own policy file, or [mail]'s.
func (d *daemon) setMilterPolicy(srv *milter.Server, cfg *daemonconfig.Milter) error {
	p, own, err := cfg.LoadPolicy()
	if err != nil {
		return fmt.Errorf("[milter] policy: %w", err)
	}
	if own {
		srv.SetPolicy(&p)
	} else {
		srv.SetPolicy(nil)
	}
	return nil
}

// requestReload is RELOAD: the loop reloads the matcher from the store.
func (d *daemon) requestReload() {
	select {
	case d.reloads <- struct{}{}:
	default: // one is pending already
	}
}

// stale is SELFCHECK: does the store hold feeds, or feed contents, that
// the serving snapshot was not compiled from?
func (d *daemon) stale() bool {
	snap := d.live.Current()
	if snap == nil {
		return true
	}
	db, err := d.store.openRead()
	if err != nil {
		return false
	}
	defer db.Close()
	feeds, err := db.Feeds()
	if err != nil {
		return false
	}
	if len(feeds) != len(snap.Digests) {
		return true
	}
	for _, f := range feeds {
		if snap.Digests[f.Name] != f.Digest {
			return true
		}
	}
	return false
}
