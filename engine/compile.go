package engine

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
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
	return compile(ctx, src, opt, nil)
}

// compile is CompileWith reusing the segments of prev (which may be nil)
// whose lines, ignore lists and options did not change.
func compile(ctx context.Context, src Source, opt Options, prev *Snapshot) (*Snapshot, error) {
	if opt.GCPercent > 0 {
		defer lowerGC(opt.GCPercent)()
	}

	for range maxAttempts {
		start := time.Now()
		before, err := src.Feeds()
		if err != nil {
			return nil, fmt.Errorf("%w: list feeds: %w", ErrStore, err)
		}
		s, err := compileOnce(ctx, src, before, &opt, prev)
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
	snap *Snapshot
	// prev holds the parts of the serving snapshot, to reuse.
	prev map[[32]byte]*part
	// ignores are the ignore entries, added to every group's builder
	// before its lines; salt is what every group's key includes.
	ignores []item
	salt    []byte
	// groups lists the groups of the main pass in store order; the
	// reader appends while the pass runs.
	groups []*group
	cur    *building // the group the adder fills
	builds sync.WaitGroup
	slots  chan struct{} // bounds the segments being built at once
	mu     sync.Mutex
	err    error // the first failed segment build
}

// building is a group whose lines the adder is adding.
type building struct {
	g    *group
	b    *matcher.Builder
	p    *part
	from string // "feed file:line" of the group's first batch, for errors
}

func newCompiler(ctx context.Context, opt *Options, prev *Snapshot) *compiler {
	c := &compiler{
		ctx: ctx, opt: opt,
		snap: &Snapshot{Versions: map[string]int{}, Digests: map[string]string{}, Unloaded: map[string]int{}, parts: map[[32]byte]*part{},
			clean: newCleanCache(opt.cleanCache())},
		slots: make(chan struct{}, runtime.GOMAXPROCS(0)),
	}
	if prev != nil {
		c.prev = prev.parts
	}
	return c
}

func compileOnce(ctx context.Context, src Source, feeds []sigdb.FeedInfo, opt *Options, prev *Snapshot) (*Snapshot, error) {
	c := newCompiler(ctx, opt, prev)
	for _, f := range feeds {
		c.snap.Versions[f.Name] = f.Version
		c.snap.Digests[f.Name] = f.Digest
	}
	// An ignore entry qualified by a line's MD5 (.ign2 "NAME:MD5") must
	// reach a builder before the line it names, wherever the feeds put
	// their ignore lists; so ignore lists go first, in a pass of their own
	// (from a chunk Source it reads only the ignore files' chunks), and
	// into every group's builder.
	if hasIgnoreFiles(feeds) {
		if err := c.pass(src, isIgnore, false); err != nil {
			return nil, c.readError(err)
		}
	}
	c.salt = compileSalt(opt.PUA, c.ignores)
	if err := c.pass(src, notIgnore, true); err != nil {
		return nil, c.readError(err)
	}
	s := c.snap
	segs := make([]*matcher.Segment, 0, len(c.groups))
	for _, g := range c.groups {
		if g.part == nil {
			continue // the group of a Source without chunks, and no lines
		}
		segs = append(segs, g.part.seg)
		s.addPart(g)
		if g.keyed {
			if c.prev[g.key] == g.part {
				s.Reused++
			}
			s.parts[g.key] = g.part
		}
	}
	s.Segments = len(segs)
	m, err := matcher.Combine(ctx, segs...)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w: %w", ErrCompile, err)
	}
	s.Matcher = m
	s.Scan = scan.New(m, opt.scanOptions())
	if opt.Mail != nil {
		if s.Mail = opt.Mail(s.Scan); s.Mail != nil {
			s.Mail = s.Mail.WithVersions(s.Versions) // for X-Virus-Scanned
		}
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

// add hands one parsed batch to the builder of its group (or, in the
// ignore pass, to the ignore list). Only a broken builder stops the
// compile; a line that cannot be used is counted (see doc.go).
func (c *compiler) add(b *batch) error {
	if b.group == nil {
		return c.addIgnores(b)
	}
	if c.cur == nil || c.cur.g != b.group {
		c.finishGroup()
		c.startGroup(b)
	}
	p := c.cur.p
	p.lines += b.lines
	if b.skipped > 0 {
		p.unloaded[UnloadSkip] += b.skipped
	}
	if b.puaOff > 0 {
		p.unloaded[UnloadPUA] += b.puaOff
	}
	for i := range b.items {
		it := &b.items[i]
		if it.err != nil {
			p.unload(UnloadInvalid, b, it.no-c.cur.g.first, it.err)
			continue
		}
		if err := c.cur.b.AddLine(it.e, it.text); err != nil {
			if errors.Is(err, matcher.ErrBuilt) {
				return fmt.Errorf("%w: %w", ErrCompile, err)
			}
			p.unload(UnloadRejected, b, it.no-c.cur.g.first, err)
		}
	}
	return nil
}

// addIgnores keeps the usable ignore entries of a batch of ignore lines.
func (c *compiler) addIgnores(b *batch) error {
	s := c.snap
	s.Lines += b.lines
	if b.skipped > 0 {
		s.Unloaded[UnloadSkip] += b.skipped
	}
	if b.puaOff > 0 {
		s.Unloaded[UnloadPUA] += b.puaOff
	}
	check := matcher.NewBuilder()
	for i := range b.items {
		it := &b.items[i]
		err := it.err
		if err == nil {
			// The builders keep ignore names as map keys: a copy, so
			// that a few names do not keep whole batches alive.
			it.e.Ignore.Name = strings.Clone(it.e.Ignore.Name)
			it.text = strings.Clone(it.text)
			if err = check.AddLine(it.e, it.text); err == nil {
				c.ignores = append(c.ignores, *it)
				continue
			}
		}
		reason := UnloadRejected
		if it.err != nil {
			reason = UnloadInvalid
		}
		s.Unloaded[reason]++
		if len(s.Problems) < maxProblems {
			s.Problems = append(s.Problems, fmt.Sprintf("%s %s:%d: %v", b.feed, b.file, it.no, err))
		}
	}
	return nil
}

// startGroup starts a builder for the group of b with every ignore entry in it.
func (c *compiler) startGroup(b *batch) {
	bl := &building{g: b.group, b: matcher.NewBuilder(), p: &part{unloaded: map[string]int{}},
		from: fmt.Sprintf("%s %s:%d", b.feed, b.file, b.first)}
	for _, it := range c.ignores {
		bl.b.AddLine(it.e, it.text) // checked in addIgnores
	}
	c.cur = bl
}

// finishGroup builds the filled group's segment on a goroutine of its own
// while the adder goes on with the next group.
func (c *compiler) finishGroup() {
	bl := c.cur
	if bl == nil {
		return
	}
	c.cur = nil
	c.slots <- struct{}{}
	c.builds.Go(func() {
		defer func() { <-c.slots }()
		seg, err := bl.b.BuildSegment(c.ctx)
		if err != nil {
			c.mu.Lock()
			if c.err == nil {
				c.err = fmt.Errorf("lines from %s on: %w", bl.from, err)
			}
			c.mu.Unlock()
			return
		}
		bl.p.seg = seg
		bl.g.part = bl.p
	})
}

// waitBuilds finishes the last group and waits for every build.
func (c *compiler) waitBuilds() error {
	c.finishGroup()
	c.builds.Wait()
	if c.err != nil {
		if c.ctx.Err() != nil {
			return c.ctx.Err()
		}
		return fmt.Errorf("%w: %w", ErrCompile, c.err)
	}
	return nil
}

func (p *part) unload(reason string, b *batch, rel int, err error) {
	p.unloaded[reason]++
	if len(p.problems) < maxProblems {
		p.problems = append(p.problems, problem{feed: b.feed, file: b.file, line: rel, err: err.Error()})
	}
}
