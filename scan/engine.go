package scan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/sigtool/sigtool/unpack"
)

// ErrNotRegular is returned by ScanFile for directories, devices and the
// like, which have no bytes of their own to scan.
var ErrNotRegular = errors.New("scan: not a regular file")

// Engine scans files and archives with a Detector. It holds no state
// between scans: it is immutable and safe for concurrent use.
type Engine struct {
	d    Detector
	opts Options
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
		// ClamAV skips such a file; we scan its head and say so.
		e.limit(res, &unpack.LimitError{Limit: unpack.LimitFileSize, Max: lim.MaxFileSize})
		res.Size = lim.MaxFileSize
		sigs, err := e.d.Detect(ctx, io.NewSectionReader(r, 0, res.Size), res.Size)
		res.Signatures = append(res.Signatures, sigs...)
		return res, err
	}
	if err := e.scan(ctx, b, res, name, r, size, 0); err != nil {
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
	if limit := e.opts.Limits.MaxFileSize; limit <= 0 || st.Size() <= limit {
		if b.mapped = mapFile(f, st.Size()); b.mapped != nil {
			defer b.mapped.unmap()
		}
	}
	return e.scanTop(ctx, path, f, st.Size(), b)
}

// scan fills in n for the bytes r and descends into them. label is the
// name used to name an unnamed stream member. Only cancellation is
// returned; everything else is recorded in the tree.
func (e *Engine) scan(ctx context.Context, b *budget, n *Result, label string, r io.ReaderAt, size int64, depth int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var sigs []string
	var err error
	if depth == 0 && b.mapped != nil {
		sigs, err = e.detectMapped(ctx, b.mapped, size)
	} else {
		sigs, err = e.d.Detect(ctx, r, size)
	}
	n.Signatures = append(n.Signatures, sigs...)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		n.Err = fmt.Errorf("scan: %s: %w", n.Path, err)
		if depth == 0 {
			b.topErr = n.Err
		}
	}
	if e.opts.Expand != nil {
		if parts, ok := e.opts.Expand(ctx, label, r, size); ok {
			n.MemberCount = len(parts)
			if e.tooDeep(n, depth) {
				return nil
			}
			for _, p := range parts {
				m := unpack.Member{Name: p.Name, Size: p.Size, Content: p.Content}
				if err := e.member(ctx, b, n, m, depth); err != nil {
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
	head := make([]byte, unpack.HeadSize)
	hn, _ := r.ReadAt(head, 0)
	f := unpack.Identify(head[:hn])
	if f == unpack.Unknown {
		return nil
	}
	n.Format = f
	if e.opts.SkipArchives || e.tooDeep(n, depth) {
		return nil
	}
	info, err := unpack.Walk(ctx, f, r, size, e.walkLimits(b), func(m unpack.Member) error {
		if m.Name == "" && (f == unpack.Gzip || f == unpack.Bzip2 || f == unpack.Xz) {
			m.Name = unpack.StreamName(label)
		}
		return e.member(ctx, b, n, m, depth)
	})
	n.MemberCount = info.MemberCount
	n.Encrypted = n.Encrypted || info.Encrypted
	switch {
	case err == nil, errors.Is(err, unpack.ErrEncrypted):
	case ctx.Err() != nil:
		return ctx.Err()
	case isLimit(err):
		e.limit(n, err)
	default:
		if n.Err == nil {
			n.Err = fmt.Errorf("scan: %s: %w", n.Path, err)
		}
	}
	return nil
}

// member records one member under parent and scans it.
func (e *Engine) member(ctx context.Context, b *budget, parent *Result, m unpack.Member, depth int) error {
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
	case m.Err != nil:
		c.Err = fmt.Errorf("scan: %s: %w", c.Path, m.Err)
	}
	if content == nil {
		return nil
	}
	if c.Limit != "" {
		// A member cut short is scanned as a plain file: what was read may
		// still match, but a truncated archive would only yield errors.
		sigs, err := e.d.Detect(ctx, io.NewSectionReader(content, 0, size), size)
		c.Signatures = append(c.Signatures, sigs...)
		if err != nil && ctx.Err() == nil && c.Err == nil {
			c.Err = fmt.Errorf("scan: %s: %w", c.Path, err)
		}
		return ctx.Err()
	}
	return e.scan(ctx, b, c, m.Name, content, size, depth+1)
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
