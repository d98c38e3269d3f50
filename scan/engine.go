package scan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/sigtool/sigtool/filetype"
	"github.com/sigtool/sigtool/matcher"
	"github.com/sigtool/sigtool/unpack"
)

// ErrNotRegular is returned by ScanFile for directories, devices and the
// like, which have no bytes of their own to scan.
var ErrNotRegular = errors.New("scan: not a regular file")

// Engine scans files and archives with a Detector. It holds no state
// between scans (but the detector's view for normalised text, built once):
// it is safe for concurrent use.
type Engine struct {
	d    Detector
	opts Options
	// text is the detector for normalised text (textDetector), built on
	// first use: a scan of binaries alone never needs it.
	textOnce sync.Once
	text     Detector
}

// New returns an Engine using d with opts as given (a zero Limits field
// means no limit; start from DefaultOptions).
func New(d Detector, opts Options) *Engine {
	return &Engine{d: d, opts: opts}
}

// Options returns the engine's options.
func (e *Engine) Options() Options { return e.opts }

// budget is one Scan's account of what the whole tree has used; the
// per-archive limits in unpack cannot see across nesting levels.
type budget struct {
	files   int
	scanned int64
	topErr  error    // the detector's failure on the scanned file itself
	mapped  *mapping // the scanned file's mapping, if ScanFile made one
}

// Scan scans size bytes of r, named name (the top of every Path), and,
// recursively, whatever it contains. Problems inside the tree are recorded
// in the Result; the error is non-nil only when the file itself could not
// be scanned (the detector failed on it, or ctx ended).
func (e *Engine) Scan(ctx context.Context, name string, r io.ReaderAt, size int64) (*Result, error) {
	return e.scanTop(ctx, name, r, size, &budget{})
}

func (e *Engine) scanTop(ctx context.Context, name string, r io.ReaderAt, size int64, b *budget) (*Result, error) {
	res := &Result{Path: name, Size: size}
	lim := e.opts.Limits
	if lim.MaxFileSize > 0 && size > lim.MaxFileSize {
		// ClamAV skips such a file; we match its head and say so.
		e.limit(res, &unpack.LimitError{Limit: unpack.LimitFileSize, Max: lim.MaxFileSize})
		res.Size = lim.MaxFileSize
		head := io.NewSectionReader(r, 0, res.Size)
		t, err := filetype.Of(head, res.Size)
		if err != nil {
			return res, fmt.Errorf("scan: %s: %w", name, err)
		}
		res.Type = t
		m, err := e.d.Match(ctx, head, res.Size, filetype.Info{Type: t})
		res.Signatures = append(res.Signatures, m.Names...)
		return res, err
	}
	if err := e.scan(ctx, b, res, name, r, size, 0, layer{}); err != nil {
		return res, err
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	return res, b.topErr
}

// ScanFile scans the file at path; the Result's Path is path.
func (e *Engine) ScanFile(ctx context.Context, path string) (*Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s", ErrNotRegular, path)
	}
	b := &budget{}
	var r io.ReaderAt = f
	if limit := e.opts.Limits.MaxFileSize; limit <= 0 || st.Size() <= limit {
		if b.mapped = mapFile(f, st.Size()); b.mapped != nil {
			defer b.mapped.unmap()
		} else if buf := readSmall(f, st.Size()); buf != nil {
			defer smallFiles.Put(buf)
			r = unpack.Bytes((*buf)[:st.Size()])
		}
	}
	return e.scanTop(ctx, path, r, st.Size(), b)
}

// smallLayer: ClamAV ignores a file or member of this many bytes or fewer
// (cli_magic_scan and the nested scans that lead to it return at once):
// it is not matched, hashed or opened, and nothing can be found in it.
// Content whose container gave its type (VBA source) is matched by ClamAV
// without that check, and so by us.
const smallLayer = 5

// layer is where content sits in the tree, and how it is to be taken.
type layer struct {
	// containers are the types of the layers above, outermost first.
	containers []filetype.Type
	// typ, when not Any, is the content's type as given (a member's
	// Type, a rescan's HandlerType) instead of one found by magic.
	typ filetype.Type
	// only: match as typ and do nothing else (a member whose container
	// gave its type); normalized: and it is a view of its container.
	only, normalized bool
	// rescan: this is its container's content again, as a HandlerType
	// asked.
	rescan bool
}

// below is the layer of a member of content of type t in l.
func (l layer) below(t filetype.Type) layer {
	cs := make([]filetype.Type, len(l.containers), len(l.containers)+1)
	copy(cs, l.containers)
	return layer{containers: append(cs, t)}
}

// scan fills in n for the bytes r and descends into them. label is the
// name used to name an unnamed stream member. Only cancellation is
// returned; everything else is recorded in the tree.
//
// A layer is handled as ClamAV handles one: typed by its magic bytes; its
// raw bytes matched with the signatures of its type's target; text also
// in normalised form (target 7); mail and archives opened, their parts
// and members scanned one layer deeper; and the content scanned again as
// the type a matching HandlerType signature names.
func (e *Engine) scan(ctx context.Context, b *budget, n *Result, label string, r io.ReaderAt, size int64, depth int, lay layer) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	t := lay.typ
	if t == filetype.Any && size > 0 {
		var err error
		if t, err = filetype.Of(r, size); err != nil {
			n.Err = fmt.Errorf("scan: %s: %w", n.Path, err)
			t = filetype.BinaryData
		}
	}
	n.Type = t
	if size <= smallLayer && lay.typ == filetype.Any {
		return nil
	}
	info := filetype.Info{Type: t, Containers: lay.containers, Normalized: lay.normalized, Rescan: lay.rescan}
	if lay.only {
		return e.match(ctx, b, n, r, size, depth, info)
	}
	if t == filetype.TextASCII || t == filetype.GIF {
		if f, err := filetype.Found(r, size, t); err == nil {
			info.Found = f
		}
	}
	// Raw HTML is matched only when nothing normalises it (see walk).
	var rescan []filetype.Type
	if t != filetype.HTML {
		res, err := e.detect(ctx, b, n, r, size, depth, info)
		if err != nil {
			return err
		}
		rescan = res.Rescan
	}
	if (t.IsText() || t == filetype.Script) && info.Found != filetype.HTML {
		if err := e.normalizedText(ctx, b, n, r, size, depth, lay); err != nil {
			return err
		}
	}
	for _, rt := range rescan {
		// The same content, one layer deeper, as the signature's type.
		sub := lay.below(t)
		sub.typ, sub.rescan = rt, true
		if e.tooDeep(n, depth+1) {
			break
		}
		if err := e.scan(ctx, b, n, label, r, size, depth+1, sub); err != nil {
			return err
		}
		n.Type = t
	}
	if e.opts.Expand != nil {
		if parts, ok := e.opts.Expand(ctx, label, r, size, e.opts.Limits); ok {
			n.MemberCount = len(parts)
			if e.tooDeep(n, depth) {
				return nil
			}
			// What Expand splits is mail to its parts, whatever its magic.
			sub := lay.below(filetype.Mail)
			for _, p := range parts {
				m := unpack.Member{Name: p.Name, Size: p.Size, Content: p.Content, Err: p.Err}
				if err := e.member(ctx, b, n, m, depth, sub); err != nil {
					if isLimit(err) {
						e.limit(n, err)
						return nil
					}
					return err
				}
			}
			return nil
		}
	}
	return e.walk(ctx, b, n, label, r, size, depth, lay, info)
}

// walk opens an archive or other container and scans its members.
func (e *Engine) walk(ctx context.Context, b *budget, n *Result, label string, r io.ReaderAt, size int64, depth int, lay layer, info filetype.Info) error {
	normalized, err := e.open(ctx, b, n, label, r, size, depth, lay, info)
	if err == nil && info.Type == filetype.HTML && !normalized {
		// No normaliser saw it: match its raw bytes rather than nothing.
		_, err = e.detect(ctx, b, n, r, size, depth, info)
	}
	if err == nil {
		err = e.embeddedZips(ctx, b, n, r, size, depth, lay, info.Type)
	}
	return err
}

// open is walk's archive part; it reports whether the unpacker gave
// normalised views of the content.
func (e *Engine) open(ctx context.Context, b *budget, n *Result, label string, r io.ReaderAt, size int64, depth int, lay layer, info filetype.Info) (normalized bool, _ error) {
	var head []byte
	if mem := inMemory(r, size); mem != nil {
		head = mem[:min(size, unpack.HeadSize)]
	} else {
		head = make([]byte, unpack.HeadSize)
		hn, _ := r.ReadAt(head, 0)
		head = head[:hn]
	}
	var f unpack.Format
	if depth == 0 && b.mapped != nil {
		// Typing a PE file searches all of it for an embedded one: in
		// place in the mapping, not read through it again.
		if err := b.mapped.guard(func() error { f = unpack.IdentifyReader(head, b.mapped, size); return nil }); err != nil {
			if n.Err == nil {
				n.Err = fmt.Errorf("scan: %s: %w", n.Path, err)
			}
			if b.topErr == nil {
				b.topErr = n.Err
			}
			return false, nil
		}
	} else {
		f = unpack.IdentifyReader(head, r, size)
	}
	if f == unpack.Unknown && info.Found != filetype.Any {
		f = unpack.FormatOf(info.Found)
	}
	if f == unpack.Unknown {
		return false, nil
	}
	n.Format = f
	if e.opts.SkipArchives || e.tooDeep(n, depth) {
		return false, nil
	}
	sub := lay.below(info.Type)
	winfo, err := unpack.Walk(ctx, f, r, size, e.walkLimits(b), func(m unpack.Member) error {
		if m.Name == "" && (f == unpack.Gzip || f == unpack.Bzip2 || f == unpack.Xz || f == unpack.Szdd) {
			m.Name = unpack.StreamName(label)
		}
		if m.Normalized {
			normalized = true
			return e.normalizedMember(ctx, b, n, m, depth, lay)
		}
		return e.member(ctx, b, n, m, depth, sub)
	})
	n.MemberCount = winfo.MemberCount
	n.Encrypted = n.Encrypted || winfo.Encrypted
	switch {
	case err == nil, errors.Is(err, unpack.ErrEncrypted):
	case ctx.Err() != nil:
		return normalized, ctx.Err()
	case isLimit(err):
		e.limit(n, err)
	case errors.Is(err, unpack.ErrCorrupt):
		n.Damage = fmt.Errorf("scan: %s: %w", n.Path, err)
	default:
		if n.Err == nil {
			n.Err = fmt.Errorf("scan: %s: %w", n.Path, err)
		}
	}
	return normalized, nil
}

// detect matches a layer's raw bytes and records what matched on n.
func (e *Engine) detect(ctx context.Context, b *budget, n *Result, r io.ReaderAt, size int64, depth int, info filetype.Info) (matcher.Result, error) {
	return e.detectWith(ctx, e.d, b, n, r, size, depth, info)
}

// detectWith is detect with detector d.
func (e *Engine) detectWith(ctx context.Context, d Detector, b *budget, n *Result, r io.ReaderAt, size int64, depth int, info filetype.Info) (matcher.Result, error) {
	var res matcher.Result
	var err error
	if depth == 0 && b.mapped != nil && !info.Normalized {
		res, err = e.detectMapped(ctx, b.mapped, size, info)
	} else {
		res, err = d.Match(ctx, r, size, info)
	}
	n.Signatures = append(n.Signatures, res.Names...)
	if err != nil {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		if n.Err == nil {
			n.Err = fmt.Errorf("scan: %s: %w", n.Path, err)
		}
		if depth == 0 && b.topErr == nil {
			b.topErr = n.Err
		}
	}
	return res, nil
}

// match is detect for content that is only matched.
func (e *Engine) match(ctx context.Context, b *budget, n *Result, r io.ReaderAt, size int64, depth int, info filetype.Info) error {
	_, err := e.detect(ctx, b, n, r, size, depth, info)
	return err
}

// normalizedText matches text in the normalised form ClamAV gives it for
// target 7 (see textnorm.go), up to MaxScriptNormalize bytes of text.
func (e *Engine) normalizedText(ctx context.Context, b *budget, n *Result, r io.ReaderAt, size int64, depth int, lay layer) error {
	if max := e.opts.MaxScriptNormalize; max > 0 && size > max {
		return nil // ClamAV does not normalise larger text either
	}
	buf := normBufs.Get().(*[]byte)
	defer normBufs.Put(buf)
	norm, err := normalizeText(r, size, *buf)
	*buf = norm[:0]
	if err != nil {
		if n.Err == nil {
			n.Err = fmt.Errorf("scan: %s: normalise text: %w", n.Path, err)
		}
		return nil
	}
	info := filetype.Info{Type: filetype.TextASCII, Containers: lay.containers, Normalized: true}
	_, err = e.detectWith(ctx, e.textDetector(), b, n, unpack.Bytes(norm), int64(len(norm)), depth, info)
	return err
}

// textDetector returns the detector for normalised text: for a
// matcher.Matcher, its ForNormalizedText view, which searches only for
// the patterns that can match such text (on random data typed as text,
// the normalised pass was a third of the scan, matching most of it).
func (e *Engine) textDetector() Detector {
	e.textOnce.Do(func() {
		e.text = e.d
		if m, ok := e.d.(*matcher.Matcher); ok {
			if t, err := m.ForNormalizedText(context.Background()); err == nil {
				e.text = t
			}
		}
	})
	return e.text
}

// normalizedMember matches a normalised view of n's content, given by its
// unpacker, in n's own layer.
func (e *Engine) normalizedMember(ctx context.Context, b *budget, n *Result, m unpack.Member, depth int, lay layer) error {
	if m.Content == nil {
		return nil
	}
	info := filetype.Info{Type: m.Type, Containers: lay.containers, Normalized: true}
	return e.match(ctx, b, n, m.Content, m.Size, depth, info)
}

// member records one member under parent and scans it in layer lay.
func (e *Engine) member(ctx context.Context, b *budget, parent *Result, m unpack.Member, depth int, lay layer) error {
	lim := e.opts.Limits
	b.files++
	if lim.MaxFiles > 0 && b.files > lim.MaxFiles {
		return &unpack.LimitError{Limit: unpack.LimitFiles, Max: int64(lim.MaxFiles)}
	}
	if lim.MaxScanSize > 0 && b.scanned >= lim.MaxScanSize {
		return &unpack.LimitError{Limit: unpack.LimitScanSize, Max: lim.MaxScanSize}
	}
	c := &Result{Name: m.Name, Path: parent.Path + "!" + m.Name, Size: m.Size, Encrypted: m.Encrypted}
	parent.Members = append(parent.Members, c)
	content, size := m.Content, m.Size
	if lim.MaxScanSize > 0 && b.scanned+size > lim.MaxScanSize {
		// Expand's parts are not cut by unpack; cut them here.
		size = lim.MaxScanSize - b.scanned
		c.Size = size
		e.limit(c, &unpack.LimitError{Limit: unpack.LimitScanSize, Member: m.Name, Max: lim.MaxScanSize})
	} else if lim.MaxFileSize > 0 && size > lim.MaxFileSize {
		size = lim.MaxFileSize
		c.Size = size
		e.limit(c, &unpack.LimitError{Limit: unpack.LimitFileSize, Member: m.Name, Max: lim.MaxFileSize})
	}
	b.scanned += size
	if parent.Encrypted || m.Encrypted {
		parent.Encrypted = true
	}
	switch {
	case m.Encrypted:
		return nil
	case m.Err != nil && isLimit(m.Err):
		e.limit(c, m.Err)
	case errors.Is(m.Err, unpack.ErrCorrupt):
		c.Damage = fmt.Errorf("scan: %s: %w", c.Path, m.Err)
	case m.Err != nil:
		c.Err = fmt.Errorf("scan: %s: %w", c.Path, m.Err)
	}
	if content == nil {
		return nil
	}
	if m.Type != filetype.Any {
		lay.typ, lay.only = m.Type, true
	}
	if c.Limit != "" {
		// A member cut short is only matched: what was read may still
		// match, but a truncated archive would only yield errors.
		lay.only = true
	}
	return e.scan(ctx, b, c, m.Name, content, size, depth+1, lay)
}

// walkLimits are the limits for one archive: the per-file ones as
// configured, the tree-wide ones reduced to what the scan has left.
func (e *Engine) walkLimits(b *budget) unpack.Limits {
	lim := e.opts.Limits
	if lim.MaxScanSize > 0 {
		lim.MaxScanSize = max(lim.MaxScanSize-b.scanned, 1)
	}
	if lim.MaxFiles > 0 {
		lim.MaxFiles = max(lim.MaxFiles-b.files, 0)
		if lim.MaxFiles == 0 {
			lim.MaxFiles = 1 // 0 would mean unlimited; the callback refuses it
		}
	}
	return lim
}

// tooDeep applies MaxRecursion: depth 0 is the scanned file, so the
// default 17 lets 17 levels of containers be opened.
func (e *Engine) tooDeep(n *Result, depth int) bool {
	if max := e.opts.Limits.MaxRecursion; max > 0 && depth >= max {
		e.limit(n, &unpack.LimitError{Limit: unpack.LimitRecursion, Max: int64(max)})
		return true
	}
	return false
}

// limit records a limit hit on n, once.
func (e *Engine) limit(n *Result, err error) {
	var le *unpack.LimitError
	if !errors.As(err, &le) || n.Limit != "" {
		return
	}
	n.Limit = string(le.Limit)
	n.Err = err
	if e.opts.AlertExceedsMax {
		n.Signatures = append(n.Signatures, LimitsExceeded+"."+string(le.Limit))
	}
}

func isLimit(err error) bool { return errors.Is(err, unpack.ErrLimit) }
