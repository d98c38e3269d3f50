package unpack

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/sigtool/sigtool/filetype"
)

// WalkFunc is called for each member. Returning an error stops the walk and
// Walk returns that error unchanged.
type WalkFunc func(m Member) error

// Walk reads the archive r (size bytes, in format f) and calls fn for each
// file member in archive order; directories are counted but not yielded.
// It returns what it learned about the archive even when it fails. A
// *LimitError from MaxFiles, MaxScanSize or MaxRatio ends the walk; a
// member over MaxFileSize is yielded with Err set and the walk goes on.
func Walk(ctx context.Context, f Format, r io.ReaderAt, size int64, lim Limits, fn WalkFunc) (info Info, err error) {
	w := &walker{
		ctx:    ctx,
		format: f,
		lim:    lim,
		fn:     fn,
		meter:  &meter{lim: lim, src: &countingReaderAt{r: r}},
	}
	w.info.Format = f
	defer func() {
		if p := recover(); p != nil {
			if cp, ok := p.(callbackPanic); ok {
				panic(cp.v) // the caller's bug, not the archive's
			}
			err = fmt.Errorf("%w: %s: decoder failed: %v", ErrCorrupt, f, p)
		}
		w.info.Expanded = w.meter.expanded
		info = w.info
	}()
	if err := ctx.Err(); err != nil {
		return w.info, err
	}
	src := w.meter.src
	switch f {
	case Zip:
		err = w.zip(src, size)
	case Tar:
		err = w.tar(src, size)
	case Gzip, Bzip2, Xz:
		err = w.stream(src, size)
	case SevenZip:
		err = w.sevenZip(src, size)
	case Rar:
		err = w.rar(src, size)
	case Tnef:
		err = w.tnef(src, size)
	case BinHex:
		err = w.binhex(src, size)
	case OLE2:
		err = w.ole2(src, size)
	case PDF:
		err = w.pdf(src, size)
	case RTF:
		err = w.rtf(src, size)
	case Cab:
		err = w.cab(src, size)
	case ISO:
		err = w.iso(src, size)
	case Cpio:
		err = w.cpio(src, size)
	case HTML:
		err = w.html(src, size)
	case Szdd:
		err = w.szdd(src, size)
	case OneNote:
		err = w.onenote(src, size)
	case Arj:
		err = w.arj(src, size)
	case Chm:
		err = w.chm(src, size)
	case Nsis:
		err = w.nsis(src, size)
	case IShield:
		err = w.ishield(src, size)
	case Sis:
		err = w.sis(src, size)
	case UPX:
		err = w.upx(src, size)
	case Overlay:
		err = w.overlay(src, size)
	case SWF:
		err = w.swf(src, size)
	case YC:
		err = w.yc(src, size)
	case WWPack:
		err = w.wwpack(src, size)
	case ASPack, MEW, Upack, Petite, PESpin:
		err = w.packed(src, size)
	case EmbeddedPE:
		err = w.embedded(src, size)
	case AutoIt:
		err = w.autoit(src, size)
	case ISMSI:
		err = w.ishieldMSI(src, size)
	case Alz:
		err = w.alz(src, size)
	default:
		if f != Unknown && !f.Opened() {
			err = fmt.Errorf("%w: %s", ErrNoUnpacker, f)
			break
		}
		err = fmt.Errorf("%w: format %s", ErrFormat, f)
	}
	return w.info, err
}

// callbackPanic marks a panic raised by the caller's function so Walk's
// recover, meant for decoder bugs, passes it on.
type callbackPanic struct{ v any }

type walker struct {
	ctx    context.Context
	format Format
	lim    Limits
	fn     WalkFunc
	meter  *meter
	info   Info
	count  int
}

func (w *walker) call(m Member) (err error) {
	defer func() {
		if p := recover(); p != nil {
			panic(callbackPanic{p})
		}
	}()
	return w.fn(m)
}

// emit reads one member and hands it to fn. stop is non-nil when the walk
// must end (fn's error, a walk-wide limit, cancellation, a temp-file
// failure); dataErr is the member's own read error, already reported in
// Member.Err, which the format decides whether it can continue past.
func (w *walker) emit(name string, encrypted bool, open func() (io.Reader, error)) (dataErr, stop error) {
	return w.emitAs(name, encrypted, memberKind{}, open)
}

// memberKind is what a container says about a member's content beyond
// its bytes: its type (Member.Type) and whether it is a normalised view of
// the container (Member.Normalized).
type memberKind struct {
	typ        filetype.Type
	normalized bool
}

// emitAs is emit for content whose type the container knows.
func (w *walker) emitAs(name string, encrypted bool, kind memberKind, open func() (io.Reader, error)) (dataErr, stop error) {
	if err := w.ctx.Err(); err != nil {
		return nil, err
	}
	w.count++
	if w.lim.MaxFiles > 0 && w.count > w.lim.MaxFiles {
		return nil, &LimitError{Limit: LimitFiles, Max: int64(w.lim.MaxFiles)}
	}
	if encrypted {
		w.info.Encrypted = true
		return nil, w.call(Member{Name: name, Encrypted: true, Err: ErrEncrypted})
	}
	lim := w.lim
	scanLeft := int64(-1)
	if lim.MaxScanSize > 0 {
		scanLeft = lim.MaxScanSize - w.meter.expanded
		if scanLeft <= 0 {
			return nil, &LimitError{Limit: LimitScanSize, Max: lim.MaxScanSize}
		}
		if lim.MaxFileSize <= 0 || scanLeft < lim.MaxFileSize {
			lim.MaxFileSize = scanLeft
		}
	}
	rd, err := open()
	if err != nil {
		err = w.memberErr(name, err)
		if errors.Is(err, ErrEncrypted) {
			w.info.Encrypted = true
			err = fmt.Errorf("%s member %q: %w", w.format, name, ErrEncrypted)
			return err, w.call(Member{Name: name, Encrypted: true, Err: err})
		}
		return err, w.call(Member{Name: name, Err: err})
	}
	c, rerr, ferr := readContent(&meteredReader{ctx: w.ctx, r: rd, m: w.meter, name: name}, name, lim)
	if rc, ok := rd.(io.Closer); ok {
		// Read whole: closing gives a zip member's inflater back to
		// archive/zip's pool (a new one is 40 KiB to allocate and clear).
		rc.Close()
	}
	if ferr != nil {
		return nil, fmt.Errorf("unpack: spilling member %q: %w", name, ferr)
	}
	defer c.close()
	var le *LimitError
	if errors.As(rerr, &le) && le.Limit == LimitFileSize && le.Max == scanLeft && scanLeft != w.lim.MaxFileSize {
		// The member was cut by what was left of the scan budget.
		rerr = &LimitError{Limit: LimitScanSize, Member: name, Max: w.lim.MaxScanSize}
	}
	m := Member{Name: name, Size: c.size, Err: w.memberErr(name, rerr), Type: kind.typ, Normalized: kind.normalized}
	if errors.Is(rerr, ErrEncrypted) && c.size == 0 {
		// The decoder's own complaint about the missing key says no more.
		w.info.Encrypted = true
		m.Encrypted = true
		m.Err = fmt.Errorf("%s member %q: %w", w.format, name, ErrEncrypted)
	} else {
		m.Content = c.ReaderAt()
	}
	if err := w.call(m); err != nil {
		return rerr, err
	}
	switch {
	case rerr == nil:
		return nil, nil
	case errors.As(rerr, &le) && le.Limit != LimitFileSize:
		return rerr, rerr
	case errors.Is(rerr, context.Canceled), errors.Is(rerr, context.DeadlineExceeded):
		return rerr, rerr
	}
	return m.Err, nil
}

// memberErr gives a decoder error the member's context and the
// ErrCorrupt class, leaving the package's own sentinels as they are.
func (w *walker) memberErr(name string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrLimit), errors.Is(err, ErrEncrypted), errors.Is(err, ErrUnsupported),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		if errors.Is(err, ErrLimit) {
			return err
		}
		return fmt.Errorf("%s member %q: %w", w.format, name, err)
	}
	return fmt.Errorf("%w: %s member %q: %w", ErrCorrupt, w.format, name, err)
}
