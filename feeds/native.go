package feeds

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/sigtool/sigtool/sigdb"
)

// updateNative brings a native feed up to the version its signed manifest
// names, trying the mirrors in order.
func (u *Updater) updateNative(ctx context.Context, run *runState, fc *FeedConfig) FeedResult {
	res := FeedResult{Store: fc.Name}
	local, err := u.localFeed(fc.Name)
	if err != nil {
		res.Err = err
		return res
	}
	if local != nil {
		res.From, res.To = local.Version, local.Version
	}
	pub, err := decodePublicKey(fc.PublicKey)
	if err != nil {
		res.Err = fmt.Errorf("%w: public_key: %v", ErrConfig, err)
		return res
	}
	var errs []error
	for _, mirror := range fc.Mirrors {
		res.Mirror = mirror
		r, err := u.nativeFrom(ctx, run, mirror, fc, pub, local, res)
		if err == nil {
			return r
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	res.Err = errors.Join(errs...)
	return res
}

func (u *Updater) nativeFrom(ctx context.Context, run *runState, mirror string, fc *FeedConfig, pub []byte, local *sigdb.FeedInfo, res FeedResult) (FeedResult, error) {
	key := mirrorKey(mirror)
	murl := joinURL(mirror, ManifestName)
	hdr := http.Header{}
	val := u.loadValidators(murl)
	if local != nil && local.Version >= val.Version {
		val.apply(hdr)
	}
	md, err := u.fetch(ctx, run, key, murl, hdr)
	if err != nil {
		return res, err
	}
	if md == nil { // 304: the manifest we already applied
		res.Status = StatusUpToDate
		return res, nil
	}
	manifest, err := md.bytes()
	if err != nil {
		return res, err
	}
	sd, err := u.fetch(ctx, run, key, joinURL(mirror, ManifestSigName), nil)
	if err != nil {
		return res, fmt.Errorf("%s: %w", ManifestSigName, err)
	}
	sig, err := sd.bytes()
	if err != nil {
		return res, err
	}
	if err := verifyManifestSig(pub, manifest, sig); err != nil {
		return res, fmt.Errorf("%s: %w", murl, err)
	}
	m, err := ParseManifest(manifest)
	if err != nil {
		return res, fmt.Errorf("%s: %w", murl, err)
	}
	if m.Feed != fc.Name {
		u.log.Info("native manifest names another feed", "feed", fc.Name, "manifest_feed", m.Feed)
	}
	if local != nil && m.Version <= local.Version {
		if m.Version < local.Version {
			w := fmt.Sprintf("mirror offers %d, we hold %d: rollback refused", m.Version, local.Version)
			u.log.Warn(w, "feed", fc.Name, "mirror", mirror)
			res.Warnings = append(res.Warnings, w)
		}
		u.saveValidators(murl, validators{ETag: md.Header.Get("ETag"), LastModified: md.Header.Get("Last-Modified"), Version: m.Version})
		res.Status = StatusUpToDate
		return res, nil
	}
	files := make([]sigdb.File, 0, len(m.Files))
	for _, mf := range m.Files {
		d, err := u.fetch(ctx, run, key, joinURL(mirror, mf.Name), nil)
		if err != nil {
			return res, fmt.Errorf("%s: %w", mf.Name, err)
		}
		if d.Size != mf.Size {
			return res, fmt.Errorf("%s: %w: %d bytes, manifest says %d", mf.Name, ErrLength, d.Size, mf.Size)
		}
		if d.SHA256 != mf.SHA256 {
			return res, fmt.Errorf("%s: %w: got %s, manifest says %s", mf.Name, ErrChecksum, d.SHA256, mf.SHA256)
		}
		data, err := d.bytes()
		if err != nil {
			return res, err
		}
		files = append(files, sigdb.File{Name: mf.Name, Data: data})
	}
	meta := sigdb.FeedMeta{Name: fc.Name, Version: m.Version, BuildTime: m.Created, Source: mirror, Format: "native"}
	n, err := u.replace(ctx, meta, files)
	if err != nil {
		return res, err
	}
	u.saveValidators(murl, validators{ETag: md.Header.Get("ETag"), LastModified: md.Header.Get("Last-Modified"), Version: m.Version})
	// Keep the signed manifest so serve_mirror can republish it unchanged.
	u.putMirrorFile(nativeKey(fc.Name, ManifestName), manifest)
	u.putMirrorFile(nativeKey(fc.Name, ManifestSigName), sig)
	res.Status, res.To, res.Method, res.Verified, res.Signatures = StatusUpdated, m.Version, "native", "ed25519", n
	return res, nil
}

func nativeKey(feed, name string) string { return "native/" + feed + "/" + name }

func (u *Updater) putMirrorFile(key string, data []byte) {
	if err := u.store.PutState(stateMirror, key, data); err != nil {
		u.log.Warn("cannot keep file for serve_mirror", "key", key, "err", err)
	}
}
