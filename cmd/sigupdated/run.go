package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/sigtool/sigtool/feeds"
	"github.com/sigtool/sigtool/sigdb"
)

// version is set by the linker for releases (-X main.version=...).
var version = ""

// Exit statuses.
const (
	exitOK     = 0
	exitFailed = 1 // --once: some feed failed
	exitError  = 2 // bad flags or configuration, store or listener unusable
)

// programVersion is the linker's version, else the module's, else "dev".
func programVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// flags are the command line.
type flags struct {
	config  string
	db      string
	listen  string
	once    bool
	version bool
	// listCooldowns and clearCooldown manage mirror cool-downs (403/429)
	// kept in the store: the fix for a stale block without deleting files.
	listCooldowns bool
	clearCooldown string
	logLevel      slog.Level
}

func parseFlags(args []string, stderr io.Writer) (*flags, error) {
	f := &flags{}
	fs := flag.NewFlagSet("sigupdated", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.config, "config", "", "configuration `file` (TOML)")
	fs.StringVar(&f.db, "db", "", "signature store `path` (overrides the config's db)")
	fs.StringVar(&f.listen, "listen", "", "serve /metrics and /healthz on `addr` (host:port)")
	fs.BoolVar(&f.once, "once", false, "run one update cycle and exit: 0 up to date or updated, 1 a feed failed, 2 error")
	fs.BoolVar(&f.version, "version", false, "print the version and exit")
	fs.BoolVar(&f.listCooldowns, "cooldowns", false, "list the mirrors on cool-down (after 403/429) and exit")
	fs.StringVar(&f.clearCooldown, "clear-cooldown", "", "end the cool-down of mirror `URL` (or \"all\") and exit")
	fs.TextVar(&f.logLevel, "log-level", slog.LevelInfo, "log `level`: debug, info, warn, error")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if !f.version && f.config == "" {
		return nil, errors.New("--config is required")
	}
	return f, nil
}

// run is the whole program; main only supplies the process's arguments
// and streams, so tests can run it in-process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(stderr, "sigupdated:", err)
		return exitError
	}
	if f.version {
		// Nothing else: no configuration, no store, no socket.
		fmt.Fprintln(stdout, "sigupdated", programVersion())
		return exitOK
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: f.logLevel}))

	cfg, err := loadConfig(f)
	if err != nil {
		log.Error("configuration refused", "config", f.config, "err", err)
		return exitError
	}
	db, err := sigdb.Open(cfg.DB, nil)
	if err != nil {
		log.Error("cannot open the store", "db", cfg.DB, "err", err)
		return exitError
	}
	defer db.Close()

	// SIGTERM/SIGINT cancel ctx: a running cycle stops between or inside
	// store transactions, each of which lands whole or not at all.
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	if f.listCooldowns || f.clearCooldown != "" {
		return manageCooldowns(f, cfg, db, stdout, log)
	}
	if f.once {
		return runOnce(ctx, cfg, db, log, stdout)
	}
	d, err := newDaemon(f, cfg, db, log)
	if err != nil {
		log.Error("cannot start", "err", err)
		return exitError
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGUSR1)
	defer signal.Stop(sigs)
	if err := d.serve(ctx, sigs); err != nil {
		log.Error("stopped", "err", err)
		return exitError
	}
	return exitOK
}

// loadConfig reads the configuration and applies --db, or the default
// store location when neither names one.
func loadConfig(f *flags) (*feeds.Config, error) {
	cfg, err := feeds.LoadConfig(f.config)
	if err != nil {
		return nil, err
	}
	if f.db != "" {
		cfg.DB = f.db
	}
	if cfg.DB == "" {
		if cfg.DB, err = sigdb.DefaultPath(); err != nil {
			return nil, err
		}
	}
	return cfg, nil
}

// runOnce is --once: one cycle, a line per store feed on stdout.
func runOnce(ctx context.Context, cfg *feeds.Config, db *sigdb.DB, log *slog.Logger, stdout io.Writer) int {
	u, err := feeds.New(cfg, db, feeds.Options{Logger: log, Version: programVersion()})
	if err != nil {
		log.Error("configuration refused", "err", err)
		return exitError
	}
	sum, err := u.RunOnce(ctx)
	for _, r := range sum.Results {
		fmt.Fprintln(stdout, r.String())
	}
	if err != nil {
		if len(sum.Failed()) == 0 { // not a feed's failure: say what it was
			log.Error("update cycle failed", "err", err)
		}
		return exitFailed
	}
	return exitOK
}

// manageCooldowns lists or clears the stored mirror cool-downs.
func manageCooldowns(f *flags, cfg *feeds.Config, db *sigdb.DB, stdout io.Writer, log *slog.Logger) int {
	if f.clearCooldown != "" {
		mirror := f.clearCooldown
		if mirror == "all" {
			mirror = ""
		}
		cleared, err := feeds.ClearCooldowns(db, cfg, mirror)
		if err != nil {
			log.Error("cannot clear cool-downs", "err", err)
			return exitError
		}
		for _, m := range cleared {
			fmt.Fprintf(stdout, "%s: cool-down cleared\n", m)
		}
		if len(cleared) == 0 {
			fmt.Fprintln(stdout, "no cool-down to clear")
		}
		return exitOK
	}
	cds, err := feeds.Cooldowns(db, cfg, time.Now())
	if err != nil {
		log.Error("cannot read cool-downs", "err", err)
		return exitError
	}
	for _, c := range cds {
		fmt.Fprintf(stdout, "%s: HTTP %d, on cool-down until %s\n", c.Mirror, c.Status, c.Until.Format(time.RFC3339))
	}
	return exitOK
}
