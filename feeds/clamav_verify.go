package feeds

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sigtool/sigtool/cvd"
)

// EngineFLevel is the functionality level .sign lines are matched against:
// ClamAV 1.6's, the engine whose databases we mirror.
const EngineFLevel = 240

// keys verify ClamAV's signatures; tests replace them with their own.
type keys struct {
	legacy cvd.LegacyKey
	cdiff  *rsa.PublicKey
	info   *rsa.PublicKey
}

var clamavKeys = keys{legacy: cvd.DefaultLegacyKey, cdiff: cvd.DefaultCdiffKey, info: cvd.DefaultInfoKey}

// roots loads the certificates of a feed's certs_dir (nil when none is
// configured). Loaded per use: a cycle runs rarely and an operator may
// change the directory between cycles.
func (u *Updater) roots(fc *FeedConfig) (*x509.CertPool, error) {
	dir := fc.certsDir(u.cfg)
	if dir == "" {
		return nil, nil
	}
	files, err := certFiles(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: certs_dir: %w", ErrConfig, err)
	}
	pool := x509.NewCertPool()
	for _, f := range files {
		pem, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("%w: certs_dir: %w", ErrConfig, err)
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%w: certs_dir: %s holds no PEM certificate", ErrConfig, filepath.Base(f))
		}
	}
	return pool, nil
}

// verifySignFile applies ClamAV's .sign rules (docs §2.4): a .sign that
// verifies wins; one that is invalid (bad digest, chain to no root) is
// fatal; one that cannot be verified falls back to the legacy signature
// unless require_sign. It returns the method, or "" to fall back.
func (u *Updater) verifySignFile(fc *FeedConfig, what string, sign, content []byte) (string, error) {
	if sign == nil {
		if fc.requireSign(u.cfg) {
			return "", fmt.Errorf("%w: %s: no .sign file and require_sign is set", ErrSignature, what)
		}
		return "", nil
	}
	pool, err := u.roots(fc)
	if err != nil {
		return "", err
	}
	signer, err := cvd.VerifySign(sign, content, pool, EngineFLevel)
	switch {
	case err == nil:
		u.log.Debug(".sign verified", "file", what+".sign", "signer", signer)
		return "sign", nil
	case errors.Is(err, cvd.ErrSignUnverifiable) && !fc.requireSign(u.cfg):
		u.log.Warn("cannot use .sign file, falling back to the built-in signature", "file", what+".sign", "err", err)
		return "", nil
	}
	return "", fmt.Errorf("%w: %s.sign: %w", ErrSignature, what, err)
}

// fullCVD is a downloaded, verified whole database.
type fullCVD struct {
	cont     *cvd.Container
	verified string
}

// fetchCVD downloads NAME.cvd and checks, in freshclam's order, the body
// MD5, then the signature (NAME-V.cvd.sign or the header RSA), then the
// archive and its .info (DSIG, header, every member's size and SHA-256).
func (u *Updater) fetchCVD(ctx context.Context, run *runState, key, mirror string, fc *FeedConfig, db string) (*fullCVD, error) {
	name := db + ".cvd"
	d, err := u.fetch(ctx, run, key, joinURL(mirror, name), nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	data, err := d.bytes()
	if err != nil {
		return nil, err
	}
	if len(data) < cvd.HeaderSize {
		return nil, fmt.Errorf("%s: %w: %d bytes, shorter than a header", name, ErrLength, len(data))
	}
	h, err := cvd.ParseHeader(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %w", name, ErrBadContainer, err)
	}
	hasMD5 := len(h.MD5) == 32
	if hasMD5 {
		sum := md5.Sum(data[cvd.HeaderSize:])
		if got := hex.EncodeToString(sum[:]); got != h.MD5 {
			return nil, fmt.Errorf("%s: %w: body MD5 %s, header says %s (%d bytes received)", name, ErrMD5, got, h.MD5, len(data))
		}
	}
	signName := fmt.Sprintf("%s-%d.cvd.sign", db, h.Version)
	sign, err := u.fetchSign(ctx, run, key, mirror, fc, signName)
	if err != nil {
		return nil, err
	}
	method, err := u.verifySignFile(fc, fmt.Sprintf("%s-%d.cvd", db, h.Version), sign, data)
	if err != nil {
		return nil, err
	}
	if method == "" {
		switch {
		case hasMD5 && len(h.DSig) > 1:
			if err := cvd.VerifyHeaderSig(h, u.keys.legacy); err != nil {
				return nil, fmt.Errorf("%s: %w: %w", name, ErrSignature, err)
			}
			method = "rsa"
		default:
			// A CLD-style header (MD5/dsig "X"), as our own serve_mirror
			// writes: integrity rests on the signed .info, as ClamAV's
			// CLDs do. Checked below.
			method = "info"
		}
	}
	cont, err := cvd.OpenContext(ctx, bytes.NewReader(data), cvd.Options{MaxSize: 4 * u.cfg.MaxDownloadSize})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, containerErr(err))
	}
	if _, err := cont.VerifyInfo(u.keys.info); err != nil {
		return nil, fmt.Errorf("%s: %w", name, containerErr(err))
	}
	if err := checkDBMembers(cont.Files(), db); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &fullCVD{cont: cont, verified: method}, nil
}

// checkDBMembers insists the container is the database we asked for: a
// mirror serving daily.cvd as main.cvd must not replace main.
func checkDBMembers(files map[string][]byte, db string) error {
	if _, ok := files[db+".info"]; !ok {
		return fmt.Errorf("%w: no %s.info member: not the %s database", ErrInfo, db, db)
	}
	return nil
}

// containerErr maps cvd's errors onto the check that failed.
func containerErr(err error) error {
	switch {
	case errors.Is(err, cvd.ErrBadMD5):
		return fmt.Errorf("%w: %w", ErrMD5, err)
	case errors.Is(err, cvd.ErrTruncated):
		return fmt.Errorf("%w: %w", ErrLength, err)
	case errors.Is(err, cvd.ErrBadSignature), errors.Is(err, cvd.ErrNoSignature),
		errors.Is(err, cvd.ErrSignInvalid), errors.Is(err, cvd.ErrBadKey):
		return fmt.Errorf("%w: %w", ErrSignature, err)
	case errors.Is(err, cvd.ErrBadInfo), errors.Is(err, cvd.ErrInfoHeader), errors.Is(err, cvd.ErrMemberMismatch):
		return fmt.Errorf("%w: %w", ErrInfo, err)
	case errors.Is(err, cvd.ErrTooLarge):
		return fmt.Errorf("%w: %w", ErrTooLarge, err)
	case errors.Is(err, cvd.ErrBadBody) && bytes.Contains([]byte(err.Error()), []byte("gzip")):
		return fmt.Errorf("%w: %w", ErrGzip, err)
	}
	return fmt.Errorf("%w: %w", ErrBadContainer, err)
}

// checkPatched is ClamAV's check of a cdiff result (sigtool
// --verify-cdiff): the patched .info must carry a valid DSIG, name version
// n, and list every member with its size and SHA-256. The error names the
// first member that differs.
func (u *Updater) checkPatched(files map[string][]byte, db string, n int) (cvd.Header, error) {
	data, ok := files[db+".info"]
	if !ok {
		return cvd.Header{}, fmt.Errorf("%w: result has no %s.info", ErrInfo, db)
	}
	info, err := cvd.ParseInfo(data)
	if err != nil {
		return cvd.Header{}, fmt.Errorf("%w: %s.info: %w", ErrInfo, db, err)
	}
	if err := info.Verify(u.keys.info); err != nil {
		return cvd.Header{}, fmt.Errorf("%w: %s.info: %w", ErrSignature, db, err)
	}
	if info.Header.Version != n {
		return cvd.Header{}, fmt.Errorf("%w: %s.info says version %d, want %d", ErrInfo, db, info.Header.Version, n)
	}
	if err := info.CheckMembers(files); err != nil {
		return cvd.Header{}, fmt.Errorf("%w: %w", ErrInfo, err)
	}
	return info.Header, nil
}
