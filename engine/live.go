package engine

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// Live is the scanning state a daemon shares: the serving Snapshot, swapped
// whole by Reload. Current and Reload are safe for concurrent use; reloads
// run one at a time.
type Live struct {
	cur atomic.Pointer[Snapshot]
	opt Options
	log *slog.Logger

	mu  sync.Mutex // serialises reloads
	gen uint64
}

// NewLive returns a Live that serves nothing until the first Reload.
func NewLive(opt Options) *Live {
	l := &Live{opt: opt, log: opt.Logger}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	return l
}

// Current returns the serving snapshot, or nil before the first successful
// Reload. A caller uses the one value for a whole scan, so the scan sees
// one database version however many reloads happen meanwhile.
func (l *Live) Current() *Snapshot { return l.cur.Load() }

// Reload compiles src aside while the current snapshot keeps serving, then
// swaps the new one in. On any error the current snapshot stays, the
// failure is counted in the metrics, and the error is returned. After a
// swap the old snapshot's memory is handed back to the system as soon as
// the scans still holding it end.
func (l *Live) Reload(ctx context.Context, src Source) error {
	l.mu.Lock()
	defer l.mu.Unlock()

	start := time.Now()
	opt := l.opt
	prev := l.cur.Load()
	if opt.GCPercent == 0 && prev != nil {
		// A matcher is serving: keep the peak low.
		opt.GCPercent = defaultGCPercent
	}
	// Segments of the serving snapshot whose lines did not change are
	// shared with the new one (segments.go).
	s, err := compile(ctx, src, opt, prev)
	if err != nil {
		l.opt.Metrics.failed(err, time.Now())
		l.log.Error("engine reload failed; the previous matcher keeps serving", "err", err, "reason", failureReason(err))
		return fmt.Errorf("engine: reload: %w", err)
	}
	l.gen++
	s.Generation = l.gen
	l.cur.Store(s)
	took := time.Since(start)
	l.opt.Metrics.swapped(s, took, time.Now())

	// Nothing refers to the old snapshot now except scans in flight; a full
	// collection frees it (or at once when they end) and returns the pages
	// so the next reload starts from one matcher's worth of memory.
	debug.FreeOSMemory()
	l.opt.Metrics.heapAfterSwap()

	st := s.Stats()
	attrs := []any{"generation", s.Generation, "took", took.Round(time.Millisecond), "segments", s.Segments, "reused", s.Reused,
		"hash_sigs", st.HashSigs, "body_sigs", st.BodySigs, "logical_sigs", st.LogicalSigs, "patterns", st.Patterns}
	attrs = append(attrs, "versions", s.Versions, "unloaded", s.Unloaded)
	l.log.Info("engine swapped in a new matcher", attrs...)
	for _, p := range s.Problems {
		l.log.Warn("signature not loaded", "line", p)
	}
	return nil
}
