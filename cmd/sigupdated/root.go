package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/sigtool/sigtool/daemonconfig"
	"github.com/sigtool/sigtool/feeds"
	"github.com/sigtool/sigtool/internal/buildinfo"
	"github.com/sigtool/sigtool/internal/clidoc"
	"github.com/sigtool/sigtool/sigdb"
)

// Exit statuses, decided here and only here.
const (
	exitOK     = 0
	exitFailed = 1 // --once: some feed failed
	exitError  = 2 // bad flags or configuration, store or listener unusable
)

// exitError carries an exit status up to run; the message is already logged.
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// flags are the command line.
type flags struct {
	config   string
	db       string
	listen   string
	once     bool
	logLevel string
	// listCooldowns and clearCooldown manage mirror cool-downs (403/429)
	// kept in the store: the fix for a stale block without deleting files.
	listCooldowns bool
	clearCooldown string
}

func newRootCommand(stdout, stderr io.Writer) *cobra.Command {
	f := &flags{}
	root := &cobra.Command{
		Use:   "sigupdated",
		Short: "Keep the signature store up to date and serve scans (clamd's protocol)",
		Long: `sigupdated pulls signature feeds on a schedule, verifies them, updates the
store, and hot-swaps the in-memory matcher while scans keep running. With a
[scan] section it serves clamd's protocol on a Unix socket and/or TCP, so
clamdscan, amavis, rspamd and Exim plug in unchanged.

The configuration is --config (default ` + daemonconfig.DefaultPath + `);
every key is in the README. The store is opened only while an update is
applied, so sigtool info, verify and quarantine work while it runs.

SIGNALS
  SIGHUP   reload the configuration (an invalid one is refused, the old kept)
  SIGUSR1  check the feeds now
  SIGTERM  stop cleanly

EXIT STATUS
  0  stopped cleanly; --once: up to date or updated
  1  --once: a feed failed
  2  bad flags or configuration, store or listener unusable`,
		Version:       buildinfo.Version(),
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDaemon(cmd.Context(), f, stdout, stderr)
		},
	}
	root.SetVersionTemplate("sigupdated {{.Version}}\n")
	root.SetOut(stdout)
	root.SetErr(stderr)
	pf := root.PersistentFlags()
	pf.StringVar(&f.config, "config", daemonconfig.DefaultPath, "configuration `file` (TOML)")
	pf.StringVar(&f.db, "db", "", "signature store `path` (overrides the config's db)")
	pf.StringVar(&f.logLevel, "log-level", "info", "log `level`: debug, info, warn, error")
	fl := root.Flags()
	fl.StringVar(&f.listen, "listen", "", "serve /metrics, /healthz and /v1/mailscan on `addr` (host:port; overrides the config's listen)")
	fl.BoolVar(&f.once, "once", false, "run one update cycle and exit: 0 up to date or updated, 1 a feed failed, 2 error")
	fl.BoolVar(&f.listCooldowns, "cooldowns", false, "list the mirrors on cool-down (after 403/429) and exit")
	fl.StringVar(&f.clearCooldown, "clear-cooldown", "", "end the cool-down of mirror `URL` (or \"all\") and exit")
	root.AddCommand(newConfigCommand(f, stdout, stderr), clidoc.Command(root, buildinfo.Version()))
	return root
}

// run is the whole program; main only supplies the process's arguments
// and streams, so tests can run it in-process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCommand(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	var st exitStatus
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &st):
		return int(st)
	}
	fmt.Fprintln(stderr, "sigupdated:", err)
	return exitError
}

func (f *flags) logger(stderr io.Writer) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(f.logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lvl})), nil
}

// loadConfig reads the configuration and applies --db and --listen, or the
// default store location when neither the flag nor the file names one.
func (f *flags) loadConfig() (*daemonconfig.Config, error) {
	cfg, err := daemonconfig.Load(f.config)
	if err != nil {
		return nil, err
	}
	if f.db != "" {
		cfg.DB = f.db
	}
	if cfg.DB == "" {
		// Under the unit, the store is in its StateDirectory, where
		// sigtool looks for it too.
		if dir, _, _ := strings.Cut(os.Getenv("STATE_DIRECTORY"), ":"); dir != "" {
			cfg.DB = filepath.Join(dir, "sigtool.db")
		} else if cfg.DB, err = sigdb.DefaultPath(); err != nil {
			return nil, err
		}
	}
	if f.listen != "" {
		cfg.Listen = f.listen
	}
	return cfg, nil
}

// runDaemon is the root command: the daemon, or --once, or the cool-down
// commands.
func runDaemon(ctx context.Context, f *flags, stdout, stderr io.Writer) error {
	log, err := f.logger(stderr)
	if err != nil {
		return err
	}
	cfg, err := f.loadConfig()
	if err != nil {
		log.Error("configuration refused", "config", f.config, "err", err)
		return exitStatus(exitError)
	}
	// SIGTERM/SIGINT cancel ctx: a running cycle stops between or inside
	// store transactions, each of which lands whole or not at all.
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	st := &store{path: cfg.DB}

	switch {
	case f.listCooldowns || f.clearCooldown != "":
		return manageCooldowns(f, &cfg.Config, st, stdout, log)
	case f.once:
		return runOnce(ctx, &cfg.Config, st, log, stdout)
	}
	d, err := newDaemon(f, cfg, st, log)
	if err != nil {
		log.Error("cannot start", "err", err)
		return exitStatus(exitError)
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGUSR1)
	defer signal.Stop(sigs)
	if err := d.serve(ctx, sigs); err != nil {
		log.Error("stopped", "err", err)
		return exitStatus(exitError)
	}
	return nil
}

// runOnce is --once: one cycle, a line per store feed on stdout.
func runOnce(ctx context.Context, cfg *feeds.Config, st *store, log *slog.Logger, stdout io.Writer) error {
	db, err := st.openWrite()
	if err != nil {
		log.Error("cannot open the store", "db", st.path, "err", err)
		return exitStatus(exitError)
	}
	defer db.Close()
	u, err := feeds.New(cfg, db, feeds.Options{Logger: log, Version: buildinfo.Version()})
	if err != nil {
		log.Error("configuration refused", "err", err)
		return exitStatus(exitError)
	}
	sum, err := u.RunOnce(ctx)
	for _, r := range sum.Results {
		fmt.Fprintln(stdout, r.String())
	}
	if err != nil {
		if len(sum.Failed()) == 0 { // not a feed's failure: say what it was
			log.Error("update cycle failed", "err", err)
		}
		return exitStatus(exitFailed)
	}
	return nil
}
