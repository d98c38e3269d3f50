package feeds

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/sigtool/sigtool/sigdb"
)

// Options are the updater's collaborators; all are optional.
type Options struct {
	Logger  *slog.Logger
	Metrics *Metrics
	// Now is the clock (tests move it past a cool-down).
	Now func() time.Time
	// Version goes into the default User-Agent "sigupdated/<Version>".
	Version string
}

// Updater runs update cycles for the configured feeds against one store.
// It is not safe for concurrent RunOnce calls: the daemon runs one cycle
// at a time.
type Updater struct {
	cfg       *Config
	store     Store
	log       *slog.Logger
	metrics   *Metrics
	now       func() time.Time
	client    *http.Client
	userAgent string
	keys      keys
}

// New checks cfg and returns an Updater writing to store.
func New(cfg *Config, store Store, opt Options) (*Updater, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	u := &Updater{cfg: cfg, store: store, log: opt.Logger, metrics: opt.Metrics, now: opt.Now, keys: clamavKeys}
	if u.log == nil {
		u.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if u.now == nil {
		u.now = time.Now
	}
	v := opt.Version
	if v == "" {
		v = "dev"
	}
	u.userAgent = "sigupdated/" + v
	if cfg.UserAgent != nil {
		u.userAgent = *cfg.UserAgent
	}
	u.client = newHTTPClient(cfg)
	return u, nil
}

// Status is the outcome of one store feed in a cycle.
type Status string

// Outcomes.
const (
	StatusUpToDate Status = "up-to-date"
	StatusUpdated  Status = "updated"
	StatusFailed   Status = "failed"
)

// FeedResult is what a cycle did to one store feed.
type FeedResult struct {
	Feed     string // the [[feed]] name
	Store    string // the store feed written (the database name for clamav)
	Status   Status
	From, To int    // versions before and after (To == From unless updated)
	Cdiffs   int    // cdiffs applied
	Method   string // how the update came: cdiff, cvd, cdiff+cvd, native, files
	Verified string // what verified it: sign, rsa, info, ed25519, sha256
	Mirror   string
	// Signatures is what the store counted in the new version.
	Signatures int
	Reason     string // for failures: Reason(Err)
	Err        error
	Warnings   []string
}

// String is the one-line human summary, e.g. "test: 1 -> 6 by 5 cdiffs".
func (r FeedResult) String() string {
	switch r.Status {
	case StatusUpdated:
		how := r.Method
		if r.Cdiffs > 0 {
			how = fmt.Sprintf("%d cdiffs", r.Cdiffs)
			if r.Method != "cdiff" {
				how += " and " + r.Method
			}
		}
		return fmt.Sprintf("%s: %d -> %d by %s", r.Store, r.From, r.To, how)
	case StatusUpToDate:
		return fmt.Sprintf("%s: up to date at version %d", r.Store, r.To)
	}
	return fmt.Sprintf("%s: failed (%s): %v", r.Store, r.Reason, r.Err)
}

// Summary is one cycle's results, one per store feed in config order.
type Summary struct {
	Started time.Time
	Results []FeedResult
}

// Failed returns the failed results.
func (s Summary) Failed() []FeedResult {
	var out []FeedResult
	for _, r := range s.Results {
		if r.Status == StatusFailed {
			out = append(out, r)
		}
	}
	return out
}

// runState is what one cycle shares: its temp directory, removed at the
// end so no partial download outlives the cycle.
type runState struct {
	dir string
}

// RunOnce runs one update cycle over every feed. A feed's failure does not
// stop the others; the returned error joins the failures (nil when every
// feed is up to date or updated), and ctx cancellation ends the cycle
// early, leaving unfinished feeds as they were.
func (u *Updater) RunOnce(ctx context.Context) (Summary, error) {
	sum := Summary{Started: u.now()}
	dir, err := os.MkdirTemp(u.cfg.TempDir, "sigupdated-")
	if err != nil {
		return sum, fmt.Errorf("feeds: temp directory: %w", err)
	}
	defer os.RemoveAll(dir)
	run := &runState{dir: dir}

	var errs []error
	for i := range u.cfg.Feeds {
		fc := &u.cfg.Feeds[i]
		var results []FeedResult
		switch fc.Type {
		case TypeClamAV:
			for _, db := range fc.Databases {
				results = append(results, u.updateClamAV(ctx, run, fc, db))
			}
		case TypeNative:
			results = append(results, u.updateNative(ctx, run, fc))
		case TypeFiles:
			results = append(results, u.updateFiles(ctx, run, fc))
		}
		for _, r := range results {
			r.Feed = fc.Name
			if r.Err != nil {
				r.Status = StatusFailed
				if r.Reason == "" {
					r.Reason = Reason(r.Err)
				}
				errs = append(errs, fmt.Errorf("feed %s: %w", r.Store, r.Err))
			}
			u.report(r)
			sum.Results = append(sum.Results, r)
		}
		if ctx.Err() != nil {
			errs = append(errs, ctx.Err())
			break
		}
	}
	return sum, errors.Join(errs...)
}

func (u *Updater) report(r FeedResult) {
	u.metrics.record(r, u.now())
	attrs := []any{"feed", r.Feed, "db", r.Store, "status", string(r.Status), "from", r.From, "to", r.To}
	if r.Mirror != "" {
		attrs = append(attrs, "mirror", r.Mirror)
	}
	switch r.Status {
	case StatusUpdated:
		attrs = append(attrs, "method", r.Method, "cdiffs", r.Cdiffs, "verified", r.Verified, "signatures", r.Signatures)
		u.log.Info(r.String(), attrs...)
	case StatusUpToDate:
		u.log.Info(r.String(), attrs...)
	default:
		attrs = append(attrs, "reason", r.Reason, "err", r.Err.Error())
		u.log.Error(r.String(), attrs...)
	}
}

// localVersion is the stored feed, or nil when the store has none.
func (u *Updater) localFeed(name string) (*sigdb.FeedInfo, error) {
	fi, err := u.store.Feed(name)
	if errors.Is(err, sigdb.ErrNoFeed) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStore, err)
	}
	return fi, nil
}

// replace writes one feed in one store transaction, mapping the store's
// rollback refusal onto ours.
// It returns the number of signatures the store counted.
func (u *Updater) replace(ctx context.Context, meta sigdb.FeedMeta, files []sigdb.File) (int, error) {
	rep, err := u.store.ReplaceFeed(ctx, meta, files, sigdb.ImportOptions{Now: u.now})
	switch {
	case err == nil:
		n := 0
		if rep != nil {
			for _, f := range rep.Feeds {
				n += f.Signatures
			}
		}
		return n, nil
	case errors.Is(err, sigdb.ErrRollback):
		return 0, fmt.Errorf("%w: %w", ErrRollback, err)
	}
	return 0, fmt.Errorf("%w: %s version %d: %w", ErrStore, meta.Name, meta.Version, err)
}
