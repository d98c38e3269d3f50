package engine

import (
	"log/slog"

	"github.com/sigtool/sigtool/mailscan"
	"github.com/sigtool/sigtool/scan"
)

// Options configure Compile and Live. The zero value compiles with ClamAV's
// default scan limits and no PUA signatures, as clamd does by default.
type Options struct {
	// Scan configures the snapshot's scan engine; nil means
	// scan.DefaultOptions().
	Scan *scan.Options
	// Mail, when set, builds the snapshot's mail scanner on its scan
	// engine (mailscan.NewScanner with the daemon's policy and quarantine);
	// the snapshot's feed versions are then given to it (WithVersions).
	Mail func(*scan.Engine) *mailscan.Scanner
	// PUA loads the PUA signature files (.hdu, .ndu, ...), like ClamAV's
	// DetectPUA.
	PUA bool
	// GCPercent is the garbage collector target while compiling: lower
	// keeps the peak of a reload closer to what it adds, at some CPU cost.
	// 0 means 10 when Live replaces a serving snapshot (a reload builds
	// only what changed, so collecting often costs little: 1.28x the
	// steady state at 10, 1.41x at 25, BenchmarkReload), and the
	// process's own setting for a first compile, where no old matcher
	// shares the memory (about 30% faster at full size, BenchmarkCompile);
	// negative always leaves the process's setting alone.
	GCPercent int
	// CleanCache is how many clean contents a snapshot remembers for
	// ScanContent (clamd's CacheSize); 0 means DefaultCleanCache,
	// negative none (clamd's DisableCache).
	CleanCache int

	// Metrics and Logger are used by Live; both may be nil.
	Metrics *Metrics
	Logger  *slog.Logger
}

const defaultGCPercent = 10

func (o *Options) cleanCache() int {
	if o.CleanCache == 0 {
		return DefaultCleanCache
	}
	return o.CleanCache
}

func (o *Options) scanOptions() scan.Options {
	if o.Scan != nil {
		return *o.Scan
	}
	return scan.DefaultOptions()
}
