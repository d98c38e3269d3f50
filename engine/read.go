package engine

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"

	"github.com/sigtool/sigtool/sigdb"
	"github.com/sigtool/sigtool/sigfile"
)

// Reading the store is a pipeline: one goroutine reads batches of lines
// (the store's chunks, copied out of its read transaction), GOMAXPROCS
// workers parse whole batches, and the compiling goroutine adds them in
// read order to the builder of their group, whose segment is then built on
// a goroutine of its own (finishGroup). A builder is not safe for
// concurrent use and the order of adding matters to ignore lists, so
// adding stays on one goroutine.

// chunkSource is a Source that can hand out whole stored chunks, which
// spares a copy per line; *sigdb.DB is one. Other Sources are read with
// ForEachLine, gathering lines into batches.
type chunkSource interface {
	ForEachChunk(ctx context.Context, fn func(sigdb.Chunk) error) error
}

var _ chunkSource = (*sigdb.DB)(nil)

// batchSize is the size at which lines read one by one make a batch: the
// store's largest chunk (its chunks, cut by content, are ~34 KB on
// average).
const batchSize = sigdb.ChunkSize

// batch is consecutive lines of one file, from the reader through a
// worker to the builder.
type batch struct {
	feed, file string
	kind       sigfile.Kind
	pua        bool
	first      int // line number of the first line
	// text holds the lines, each ended by '\n' but perhaps the last. It is
	// one string for the whole batch: parsed entries alias it, so a line
	// costs no allocation of its own.
	text string
	// trimCR drops one '\r' before each line end, as ForEachLine does;
	// lines gathered from ForEachLine come already trimmed.
	trimCR bool
	// group is the segment group the lines go to; nil in the ignore pass.
	group *group

	// Set by parse.
	lines   int
	skipped int    // parsed with Entry.Skip set
	puaOff  int    // PUA signatures while PUA is off
	items   []item // lines for the builder, and invalid lines, in order
	// parser holds the hash entries of items; kept with items by the pool.
	parser sigfile.Parser

	parsed chan struct{} // receives once parse is done
}

// item is one line of a batch that the compiling goroutine must look at.
type item struct {
	e    sigfile.Entry
	text string // the line, for ignore entries qualified by its MD5
	no   int
	err  error // the line does not parse: e is empty
}

// parse parses every line of b, keeping in b.items what the builder must
// see and counting the rest.
func (b *batch) parse(puaOn bool) {
	text, no := b.text, b.first
	for ; len(text) > 0; no++ {
		var line string
		line, text, _ = strings.Cut(text, "\n")
		if b.trimCR {
			line = strings.TrimSuffix(line, "\r")
		}
		b.lines++
		e, err := b.parser.ParseLine(b.kind, line)
		switch {
		case errors.Is(err, sigfile.ErrNoSignature):
		case err != nil:
			b.items = append(b.items, item{no: no, err: err})
		case e.Skip != "":
			b.skipped++
		case b.pua && !puaOn:
			b.puaOff++
		default:
			b.items = append(b.items, item{e: e, text: line, no: no})
		}
	}
}

// batchPool recycles batches, and above all their item slices and hash
// entries, which would otherwise be most of the garbage of reading.
var batchPool = sync.Pool{New: func() any { return &batch{parsed: make(chan struct{}, 1)} }}

func newBatch() *batch { return batchPool.Get().(*batch) }

// free returns b to the pool, dropping what it refers to so the pool does
// not keep entries or store text alive.
func (b *batch) free() {
	clear(b.items)
	b.parser.Reset()
	items, parser, parsed := b.items[:0], b.parser, b.parsed
	*b = batch{items: items, parser: parser, parsed: parsed}
	batchPool.Put(b)
}

// pass reads every line of src in files of the kinds want accepts and adds
// them, in store order: to the ignore list, or (grouped) to the builders of
// the groups that the serving snapshot does not already hold, whose
// segments it then waits for.
func (c *compiler) pass(src Source, want func(sigfile.Kind) bool, grouped bool) error {
	ctx, cancel := context.WithCancel(c.ctx)
	defer cancel()

	workers := runtime.GOMAXPROCS(0)
	// Enough batches in flight to keep every worker busy while the
	// builder takes its time on one; few enough that they cost little
	// memory (each is a chunk of text and its parsed entries).
	depth := 4 * workers
	work := make(chan *batch, depth)
	order := make(chan *batch, depth)

	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range work {
				b.parse(c.opt.PUA)
				b.parsed <- struct{}{}
			}
		}()
	}
	var readErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(work)
		defer close(order)
		send := func(b *batch) error {
			// order first: the builder then waits for this batch's parse
			// and no later one can overtake it.
			select {
			case order <- b:
			case <-ctx.Done():
				b.free()
				return ctx.Err()
			}
			work <- b // never blocks for long: workers take all of work
			return nil
		}
		cs, chunked := src.(chunkSource)
		switch {
		case chunked && grouped:
			readErr = c.readGroups(ctx, cs, want, send)
		case chunked:
			readErr = cs.ForEachChunk(ctx, func(ch sigdb.Chunk) error {
				if !want(ch.Kind) {
					return sigdb.ErrSkipFile
				}
				return send(chunkBatch(ch, nil))
			})
		default:
			// Lines without chunks cannot be keyed: one group, never
			// reused.
			var g *group
			if grouped {
				g = &group{}
				c.groups = append(c.groups, g)
			}
			readErr = readLines(ctx, src, want, g, send)
		}
	}()

	var addErr error
	for b := range order {
		<-b.parsed
		if addErr == nil {
			addErr = ctx.Err()
		}
		if addErr == nil {
			addErr = c.add(b)
		}
		if addErr != nil {
			// Stop the reader; the loop goes on only to drain order.
			cancel()
		}
		b.free()
	}
	wg.Wait()
	if grouped {
		if addErr != nil || readErr != nil {
			c.cur = nil // the compile fails: its unfinished group is not built
		}
		if err := c.waitBuilds(); err != nil && addErr == nil {
			addErr = err
		}
	}
	if addErr != nil {
		return addErr
	}
	return readErr
}

// chunkBatch copies a chunk out of the store's read transaction into a
// batch for group g.
func chunkBatch(ch sigdb.Chunk, g *group) *batch {
	b := newBatch()
	b.feed, b.file, b.kind, b.pua, b.first = ch.Feed, ch.File, ch.Kind, ch.PUA, ch.FirstLine
	b.text = string(ch.Data)
	b.trimCR = true
	b.group = g
	return b
}

// readGroups cuts the wanted files' chunks into groups and sends the
// chunks of each group that the serving snapshot does not hold; a group
// it holds gets that part and costs no copy and no parsing.
func (c *compiler) readGroups(ctx context.Context, src chunkSource, want func(sigfile.Kind) bool, send func(*batch) error) error {
	gr := grouper{salt: c.salt}
	err := src.ForEachChunk(ctx, func(ch sigdb.Chunk) error {
		if !want(ch.Kind) {
			return sigdb.ErrSkipFile
		}
		if !gr.add(ch) {
			return nil
		}
		key, first, chunks := gr.close()
		g := &group{first: first, keyed: true, key: key}
		c.groups = append(c.groups, g)
		if p := c.prev[key]; p != nil {
			g.part = p
			return nil
		}
		for _, ch := range chunks {
			if err := send(chunkBatch(ch, g)); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil && len(gr.chunks) > 0 {
		// The chunks of an open group are gone with the read transaction:
		// the lines cannot be added now, and must not be lost unsaid.
		err = errors.New("the chunk source ended inside a file (no chunk marked Last)")
	}
	return err
}

// readLines gathers the lines of the wanted files into batches of
// consecutive lines of one file.
func readLines(ctx context.Context, src Source, want func(sigfile.Kind) bool, g *group, send func(*batch) error) error {
	var (
		cur  *batch
		buf  []byte
		next int // line number that continues cur
	)
	flush := func() error {
		if cur == nil {
			return nil
		}
		cur.text = string(buf)
		buf = buf[:0]
		b := cur
		cur = nil
		return send(b)
	}
	err := src.ForEachLine(ctx, func(l sigdb.Line) error {
		if !want(l.Kind) {
			return nil
		}
		if cur != nil && (l.No != next || l.File != cur.file || l.Feed != cur.feed || l.Kind != cur.kind || l.PUA != cur.pua || len(buf) >= batchSize) {
			if err := flush(); err != nil {
				return err
			}
		}
		if cur == nil {
			cur = newBatch()
			cur.feed, cur.file, cur.kind, cur.pua, cur.first = l.Feed, l.File, l.Kind, l.PUA, l.No
			cur.group = g
		}
		buf = append(buf, l.Text...)
		buf = append(buf, '\n')
		next = l.No + 1
		return nil
	})
	if err != nil {
		if cur != nil {
			cur.free()
		}
		return err
	}
	return flush()
}
