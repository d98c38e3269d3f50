package feeds

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/sigtool/sigtool/cvd"
	"github.com/sigtool/sigtool/sigdb"
)

// updateClamAV brings one ClamAV database up to the mirror's version,
// trying the mirrors in order until one gives a definite answer.
func (u *Updater) updateClamAV(ctx context.Context, run *runState, fc *FeedConfig, db string) FeedResult {
	res := FeedResult{Store: db}
	local, err := u.localFeed(db)
	if err != nil {
		res.Err = err
		return res
	}
	if local != nil {
		res.From, res.To = local.Version, local.Version
	}
	var errs []error
	for _, mirror := range fc.Mirrors {
		r, err := u.clamavFrom(ctx, run, mirror, fc, db, local, res)
		if err == nil || r.Status != "" {
			r.Mirror = mirror
			if err != nil {
				r.Err, r.Reason = err, Reason(err)
			}
			return r
		}
		if len(errs) == 0 {
			res.Reason = Reason(err)
		}
		errs = append(errs, fmt.Errorf("%s: %w", mirror, err))
		if ctx.Err() != nil {
			break
		}
		if len(fc.Mirrors) > 1 {
			u.log.Warn("mirror failed, trying the next", "db", db, "mirror", mirror, "reason", Reason(err), "err", err)
		}
	}
	res.Err = errors.Join(errs...)
	return res
}

// chain is the outcome of applying cdiffs in memory.
type chain struct {
	version  int               // last version reached (local version if none applied)
	applied  []int             // cdiff numbers applied
	files    map[string][]byte // member files at version
	order    []string          // stored member order
	header   cvd.Header        // header line of the patched .info
	verified string
	stop     error             // why the chain stopped early
	received map[string][]byte // cdiff and .sign bytes, kept for serve_mirror
}

// clamavFrom runs the update against one mirror. An error with
// r.Status == "" means "try the next mirror"; with r.Status set it is this
// database's final answer (the store may hold partial progress).
func (u *Updater) clamavFrom(ctx context.Context, run *runState, mirror string, fc *FeedConfig, db string, local *sigdb.FeedInfo, res FeedResult) (FeedResult, error) {
	key := mirrorKey(mirror)
	cvdURL := joinURL(mirror, db+".cvd")
	remote, notModified, val, err := u.remoteHeader(ctx, key, cvdURL, local)
	if err != nil {
		return res, err
	}
	L := res.From
	if notModified {
		res.Status = StatusUpToDate
		return res, nil
	}
	R := remote.Version
	if R <= L {
		if R < L {
			w := fmt.Sprintf("mirror offers %d, we hold %d: rollback refused", R, L)
			u.log.Warn(w, "db", db, "mirror", mirror)
			res.Warnings = append(res.Warnings, w)
		}
		val.Version = R
		u.saveValidators(cvdURL, val)
		res.Status = StatusUpToDate
		return res, nil
	}
	u.log.Info("update available", "db", db, "mirror", mirror, "local", L, "remote", R)

	ch := &chain{version: L}
	if local != nil {
		if err := u.loadLocal(ctx, db, ch); err != nil {
			ch.stop = err
			u.log.Warn("stored files unusable for cdiffs, fetching the whole CVD", "db", db, "err", err)
		} else if err := u.applyChain(ctx, run, key, mirror, fc, db, R, ch); err != nil {
			return res, err // the mirror failed us (connect, 403, ...): next mirror
		}
	}
	if ch.version == R {
		return u.storeChain(ctx, db, mirror, res, ch)
	}
	if ch.stop != nil {
		u.log.Warn("incremental update stopped, trying the whole CVD", "db", db, "mirror", mirror,
			"at", ch.version, "reason", Reason(ch.stop), "err", ch.stop, "fallback", db+".cvd")
	}

	full, err := u.fetchCVD(ctx, run, key, mirror, fc, db)
	if err != nil {
		switch {
		case len(ch.applied) > 0:
			// Keep the verified progress (freshclam's "partial update").
			r, serr := u.storeChain(ctx, db, mirror, res, ch)
			if serr != nil {
				return r, serr
			}
			if errors.Is(err, ErrNotFound) {
				w := fmt.Sprintf("partial update to %d of %d: %v; %s.cvd not on mirror either", ch.version, R, ch.stop, db)
				u.log.Warn(w, "db", db, "mirror", mirror)
				r.Warnings = append(r.Warnings, w)
				return r, nil
			}
			r.Status = StatusFailed
			return r, fmt.Errorf("partial update to %d kept; whole CVD refused: %w", ch.version, err)
		case errors.Is(err, ErrNotFound) && ch.stop != nil:
			// The chain's failure is the one to report (and count by).
			return res, fmt.Errorf("%w; %s.cvd not on mirror either (%v)", ch.stop, db, err)
		}
		return res, err
	}
	V := full.cont.Header.Version
	if V <= L {
		if V < L {
			return res, fmt.Errorf("%w: %s.cvd is version %d, we hold %d (header said %d)", ErrRollback, db, V, L, R)
		}
		w := fmt.Sprintf("mirror lags: header says %d, but it has neither the cdiff nor a newer %s.cvd than our %d; retry later", R, db, L)
		u.log.Warn(w, "db", db, "mirror", mirror)
		res.Warnings = append(res.Warnings, w)
		res.Status = StatusUpToDate
		return res, nil
	}
	if V <= ch.version {
		return u.storeChain(ctx, db, mirror, res, ch)
	}
	if V < R {
		w := fmt.Sprintf("mirror offered %d, header said %d: accepting the older CVD", V, R)
		u.log.Warn(w, "db", db, "mirror", mirror)
		res.Warnings = append(res.Warnings, w)
	}
	return u.storeCVD(ctx, db, mirror, res, full)
}

// remoteHeader learns the mirror's version from the first 512 bytes of
// NAME.cvd. A 304 counts only while we hold what the validators were
// recorded with.
func (u *Updater) remoteHeader(ctx context.Context, mirror, cvdURL string, local *sigdb.FeedInfo) (cvd.Header, bool, validators, error) {
	hdr := http.Header{"Range": {fmt.Sprintf("bytes=0-%d", cvd.HeaderSize-1)}}
	if local != nil {
		if v := u.loadValidators(cvdURL); v.Version > 0 && v.Version <= local.Version {
			v.apply(hdr)
		}
	}
	resp, err := u.request(ctx, mirror, cvdURL, hdr)
	if err != nil {
		return cvd.Header{}, false, validators{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified {
		return cvd.Header{}, true, validators{}, nil
	}
	// 200 with the whole file is fine (mirrors that ignore Range): read the
	// header and close, the transport drops the rest.
	buf := make([]byte, cvd.HeaderSize)
	n, err := io.ReadFull(resp.Body, buf)
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return cvd.Header{}, false, validators{}, fmt.Errorf("%s: %w: header is %d of %d bytes", cvdURL, ErrLength, n, cvd.HeaderSize)
	}
	if err != nil {
		return cvd.Header{}, false, validators{}, err
	}
	h, err := cvd.ParseHeader(buf)
	if err != nil {
		return cvd.Header{}, false, validators{}, fmt.Errorf("%s: %w: %w", cvdURL, ErrBadContainer, err)
	}
	return h, false, validatorsOf(resp), nil
}

// loadLocal reads the stored members the cdiffs will edit.
func (u *Updater) loadLocal(ctx context.Context, db string, ch *chain) error {
	fs, err := u.store.FeedFiles(ctx, db)
	if err != nil {
		return fmt.Errorf("%w: reading stored files: %w", ErrStore, err)
	}
	ch.files = make(map[string][]byte, len(fs))
	for _, f := range fs {
		ch.files[f.Name] = f.Data
		ch.order = append(ch.order, f.Name)
	}
	if _, ok := ch.files[db+".info"]; !ok {
		return fmt.Errorf("%w: stored feed has no %s.info to check cdiffs against", ErrInfo, db)
	}
	return nil
}

// applyChain downloads, verifies and applies NAME-N.cdiff for N after
// ch.version up to R, stopping at the first missing, empty or bad one
// (recorded in ch.stop). It returns an error only when the mirror itself
// failed, so the caller moves to the next mirror.
func (u *Updater) applyChain(ctx context.Context, run *runState, key, mirror string, fc *FeedConfig, db string, R int, ch *chain) error {
	ch.received = map[string][]byte{}
	for n := ch.version + 1; n <= R; n++ {
		name := fmt.Sprintf("%s-%d.cdiff", db, n)
		d, err := u.fetch(ctx, run, key, joinURL(mirror, name), nil)
		if errors.Is(err, ErrNotFound) {
			ch.stop = fmt.Errorf("%s: %w", name, ErrMissing)
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if d.Size == 0 {
			// ClamAV's "fetch the CVD instead" marker (PRs 308/309): never
			// handed to the applier.
			ch.stop = fmt.Errorf("%s: %w: empty file", name, ErrMissing)
			return nil
		}
		data, err := d.bytes()
		if err != nil {
			return err
		}
		sign, err := u.fetchSign(ctx, run, key, mirror, fc, name+".sign")
		if err != nil {
			return err
		}
		diff, method, err := u.verifyCdiff(fc, name, n, data, sign)
		if err != nil {
			ch.stop = fmt.Errorf("%s: %w", name, err)
			return nil
		}
		next, err := applyScript(ctx, ch.files, diff)
		if err != nil {
			ch.stop = fmt.Errorf("%s: %w", name, err)
			return nil
		}
		h, err := u.checkPatched(next, db, n)
		if err != nil {
			ch.stop = fmt.Errorf("%s: %w", name, err)
			return nil
		}
		ch.files, ch.header, ch.version, ch.verified = next, h, n, method
		ch.applied = append(ch.applied, n)
		ch.received[name] = data
		if sign != nil {
			ch.received[name+".sign"] = sign
		}
		u.log.Info("applied cdiff", "db", db, "cdiff", name, "version", n, "verified", method)
	}
	return nil
}

// fetchSign gets an optional .sign file: only when certificates are
// configured (without roots it could only fail), nil when the mirror has
// none.
func (u *Updater) fetchSign(ctx context.Context, run *runState, key, mirror string, fc *FeedConfig, name string) ([]byte, error) {
	if fc.certsDir(u.cfg) == "" {
		return nil, nil
	}
	d, err := u.fetch(ctx, run, key, joinURL(mirror, name), nil)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if d.Size == 0 {
		return nil, nil
	}
	return d.bytes()
}

// storeChain writes the patched members as a CLD-format feed.
func (u *Updater) storeChain(ctx context.Context, db, mirror string, res FeedResult, ch *chain) (FeedResult, error) {
	h := ch.header
	meta := sigdb.FeedMeta{Name: db, Version: ch.version, BuildTime: h.Time, Source: mirror, Format: "cld",
		HeaderSigs: h.Sigs, FLevel: h.FLevel, Builder: h.Builder}
	n, err := u.replace(ctx, meta, orderedFiles(ch.files, ch.order, db))
	if err != nil {
		return res, err
	}
	for name, data := range ch.received {
		u.putMirrorFile(name, data)
	}
	res.Status, res.To, res.Cdiffs, res.Method, res.Verified, res.Signatures = StatusUpdated, ch.version, len(ch.applied), "cdiff", ch.verified, n
	return res, nil
}

func (u *Updater) storeCVD(ctx context.Context, db, mirror string, res FeedResult, full *fullCVD) (FeedResult, error) {
	h := full.cont.Header
	files := make([]sigdb.File, 0, len(full.cont.Members))
	for _, m := range full.cont.Members {
		files = append(files, sigdb.File{Name: m.Name, Data: m.Data})
	}
	meta := sigdb.FeedMeta{Name: db, Version: h.Version, BuildTime: h.Time, Source: mirror, Format: "cvd",
		HeaderSigs: h.Sigs, FLevel: h.FLevel, Builder: h.Builder}
	n, err := u.replace(ctx, meta, files)
	if err != nil {
		return res, err
	}
	res.Status, res.To, res.Method, res.Verified, res.Signatures = StatusUpdated, h.Version, "cvd", full.verified, n
	return res, nil
}

// orderedFiles keeps the stored order and appends new members: COPYING and
// the .info first if new, then by name, the order a CLD is written in.
func orderedFiles(files map[string][]byte, order []string, db string) []sigdb.File {
	out := make([]sigdb.File, 0, len(files))
	seen := map[string]bool{}
	for _, n := range order {
		if d, ok := files[n]; ok && !seen[n] {
			out = append(out, sigdb.File{Name: n, Data: d})
			seen[n] = true
		}
	}
	var rest []string
	for n := range files {
		if !seen[n] {
			rest = append(rest, n)
		}
	}
	sort.Slice(rest, func(i, j int) bool {
		ri, rj := memberRank(rest[i], db), memberRank(rest[j], db)
		if ri != rj {
			return ri < rj
		}
		return rest[i] < rest[j]
	})
	for _, n := range rest {
		out = append(out, sigdb.File{Name: n, Data: files[n]})
	}
	return out
}

func memberRank(name, db string) int {
	switch {
	case name == "COPYING":
		return 0
	case name == db+".info":
		return 1
	case strings.HasSuffix(name, ".cfg"):
		return 2
	}
	return 3
}
