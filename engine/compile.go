package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sigtool/sigtool/matcher"
	"github.com/sigtool/sigtool/scan"
	"github.com/sigtool/sigtool/sigdb"
	"github.com/sigtool/sigtool/sigfile"
)

// Source is what Compile reads; *sigdb.DB implements it. A Source that
// also has sigdb's ForEachChunk is read by chunks instead of by lines,
// which saves a copy per line (see read.go).
type Source interface {
	// Feeds lists the stored feeds with their versions and digests.
	Feeds() ([]sigdb.FeedInfo, error)
	// ForEachLine calls fn for every signature line, in one consistent
	// read of the store.
	ForEachLine(ctx context.Context, fn func(sigdb.Line) error) error
}

var _ Source = (*sigdb.DB)(nil)

// maxAttempts bounds how often Compile starts again because the store was
// written while it read. The daemon holds the store's write lock itself
// and reloads after its own writes, so a retry is rare even once.
const maxAttempts = 3

// Compile builds a Snapshot of every signature in src with default
// Options. See CompileWith.
func Compile(ctx context.Context, src Source) (*Snapshot, error) {
	return CompileWith(ctx, src, Options{})
}

// CompileWith reads every signature line of src, parses it, and builds a
// matcher and the scan engine on it, recording the feed versions it was
// built from.
//
// The store gives the lines in one read transaction and the feed list in
// another, so Compile reads the feed list before and after the lines and
// starts again when they differ (ErrStoreChanged after maxAttempts): the
// versions a Snapshot reports are those of the lines it holds. Each feed's
// import time is part of the comparison, so even a feed replaced and put
// back meanwhile is noticed.
func CompileWith(ctx context.Context, src Source, opt Options) (*Snapshot, error) {
	if opt.GCPercent > 0 {
		defer lowerGC(opt.GCPercent)()
	}

	for range maxAttempts {
		start := time.Now()
		before, err := src.Feeds()
		if err != nil {
			return nil, fmt.Errorf("%w: list feeds: %w", ErrStore, err)
		}
		s, err := compileOnce(ctx, src, before, &opt)
		if err != nil {
			return nil, err
		}
		after, err := src.Feeds()
		if err != nil {
			return nil, fmt.Errorf("%w: list feeds: %w", ErrStore, err)
		}
		if sameFeeds(before, after) {
			s.Built = time.Now()
			s.Took = s.Built.Sub(start)
			return s, nil
		}
	}
	return nil, fmt.Errorf("%w (%d attempts)", ErrStoreChanged, maxAttempts)
}

// sameFeeds compares what identifies a feed's stored state.
func sameFeeds(a, b []sigdb.FeedInfo) bool {
	return slices.EqualFunc(a, b, func(x, y sigdb.FeedInfo) bool {
		return x.Name == y.Name && x.Version == y.Version && x.Digest == y.Digest && x.Imported.Equal(y.Imported)
	})
}

// hasIgnoreFiles reports whether any feed holds an ignore list.
func hasIgnoreFiles(feeds []sigdb.FeedInfo) bool {
	for _, f := range feeds {
		for _, r := range f.Files {
			if k := sigfile.Kind(r.Kind); k == sigfile.KindIGN || k == sigfile.KindIGN2 {
				return true
			}
		}
	}
	return false
}

func isIgnore(k sigfile.Kind) bool { return k == sigfile.KindIGN || k == sigfile.KindIGN2 }

func notIgnore(k sigfile.Kind) bool { return !isIgnore(k) }

// compiler is the state of one compileOnce.
type compiler struct {
	ctx  context.Context
	opt  *Options
	b    *matcher.Builder
	snap *Snapshot
}

func compileOnce(ctx context.Context, src Source, feeds []sigdb.FeedInfo, opt *Options) (*Snapshot, error) {
	c := &compiler{
		ctx: ctx, opt: opt, b: matcher.NewBuilder(),
		snap: &Snapshot{Versions: map[string]int{}, Digests: map[string]string{}, Unloaded: map[string]int{}},
	}
	for _, f := range feeds {
		c.snap.Versions[f.Name] = f.Version
		c.snap.Digests[f.Name] = f.Digest
	}
	// An ignore entry qualified by a line's MD5 (.ign2 "NAME:MD5") must
	// reach the builder before the line it names, wherever the feeds put
	// their ignore lists; so ignore lists go first, in a pass of their own
	// (from a chunk Source it reads only the ignore files' chunks).
	if hasIgnoreFiles(feeds) {
		if err := c.pass(src, isIgnore); err != nil {
			return nil, c.readError(err)
		}
	}
	if err := c.pass(src, notIgnore); err != nil {
		return nil, c.readError(err)
	}
	m, err := c.b.Build(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w: %w", ErrCompile, err)
	}
	s := c.snap
	s.Matcher = m
	s.Scan = scan.New(m, opt.scanOptions())
	if opt.Mail != nil {
		s.Mail = opt.Mail(s.Scan)
	}
	return s, nil
}

func (c *compiler) readError(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if errors.Is(err, ErrCompile) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrStore, err)
}

// add hands one parsed batch to the builder. Only a broken builder stops
// the compile; a line that cannot be used is counted (see doc.go).
func (c *compiler) add(b *batch) error {
	c.snap.Lines += b.lines
	if b.skipped > 0 {
		c.snap.Unloaded[UnloadSkip] += b.skipped
	}
	if b.puaOff > 0 {
		c.snap.Unloaded[UnloadPUA] += b.puaOff
	}
	for i := range b.items {
		it := &b.items[i]
		if it.err != nil {
			c.unload(UnloadInvalid, b, it.no, it.err)
			continue
		}
		if it.e.Ignore != nil {
			// The builder keeps ignore names as map keys: a copy, so
			// that a few names do not keep whole batches alive.
			it.e.Ignore.Name = strings.Clone(it.e.Ignore.Name)
		}
		if err := c.b.AddLine(it.e, it.text); err != nil {
			if errors.Is(err, matcher.ErrBuilt) {
				return fmt.Errorf("%w: %w", ErrCompile, err)
			}
			c.unload(UnloadRejected, b, it.no, err)
		}
	}
	return nil
}

func (c *compiler) unload(reason string, b *batch, no int, err error) {
	c.snap.Unloaded[reason]++
	if len(c.snap.Problems) < maxProblems {
		c.snap.Problems = append(c.snap.Problems, fmt.Sprintf("%s %s:%d: %v", b.feed, b.file, no, err))
	}
}
