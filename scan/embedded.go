package scan

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/sigtool/sigtool/filetype"
	"github.com/sigtool/sigtool/unpack"
)

// embeddedZips scans the zip entries embedded in a layer past its first
// byte, as ClamAV's raw scan extracts them (see unpack.WalkEmbeddedZip):
// each entry is a member of n, one zip layer below it, as in ClamAV,
// where the entry is scanned inside an embedded zip layer. ClamAV does not
// look for them in zips, Office Open XML, gzip, tar, old cpio or TNEF, nor
// do we where the layer was opened as a zip or a self-extractor's overlay
// (its members are those entries). An entry that fails to decode is scanned as far as it
// was read without an error: ClamAV drops it silently, and a header found
// by chance in other data would otherwise make clean content doubtful.
func (e *Engine) embeddedZips(ctx context.Context, b *budget, n *Result, r io.ReaderAt, size int64, depth int, lay layer, t filetype.Type) error {
	switch t {
	case filetype.Zip, filetype.OOXMLWord, filetype.OOXMLPPT, filetype.OOXMLXL, filetype.OOXMLHWP,
		filetype.GZ, filetype.OldTar, filetype.PosixTar, filetype.CPIOOld, filetype.TNEF:
		return nil
	}
	if n.Format == unpack.Zip || n.Format == unpack.Overlay || e.opts.SkipArchives || size < 2 {
		return nil
	}
	if max := e.opts.Limits.MaxRecursion; max > 0 && depth+1 >= max {
		return nil
	}
	sub := lay.below(t).below(filetype.Zip)
	walk := func(r io.ReaderAt) (err error) {
		_, err = unpack.WalkEmbeddedZip(ctx, r, size, e.walkLimits(b), func(m unpack.Member) error {
			if m.Err != nil && !isLimit(m.Err) {
				m.Err = nil
			}
			return e.member(ctx, b, n, m, depth+1, sub)
		})
		return err
	}
	var err error
	if depth == 0 && b.mapped != nil {
		// Searched in place rather than copied out of the file.
		err = b.mapped.guard(func() error { return walk(b.mapped) })
	} else {
		err = walk(r)
	}
	switch {
	case errors.Is(err, ErrFileChanged):
		if n.Err == nil {
			n.Err = fmt.Errorf("scan: %s: %w", n.Path, err)
		}
		if b.topErr == nil {
			b.topErr = n.Err
		}
	case err == nil:
	case ctx.Err() != nil:
		return ctx.Err()
	case isLimit(err):
		e.limit(n, err)
	case errors.Is(err, unpack.ErrCorrupt):
		// A decoder that gave up on data found by chance: as above.
	default:
		if n.Err == nil {
			n.Err = fmt.Errorf("scan: %s: %w", n.Path, err)
		}
	}
	return nil
}
