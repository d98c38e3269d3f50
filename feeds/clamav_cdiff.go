package feeds

import (
	"context"
	"errors"
	"fmt"

	"github.com/sigtool/sigtool/cdiff"
	"github.com/sigtool/sigtool/cvd"
)

// verifyCdiff checks a downloaded cdiff before anything applies it: its
// .sign when there is one (ClamAV's rules, see verifySignFile), else the
// PSS signature inside it; then that it is the version its name says.
func (u *Updater) verifyCdiff(fc *FeedConfig, name string, want int, data, sign []byte) (*cdiff.Diff, string, error) {
	method, err := u.verifySignFile(fc, name, sign, data)
	if err != nil {
		return nil, "", err
	}
	d, err := cdiff.Parse(data)
	if err != nil {
		return nil, "", cdiffErr(err)
	}
	if method == "" {
		if err := d.Verify(u.keys.cdiff); err != nil {
			return nil, "", fmt.Errorf("%w: %w", ErrSignature, err)
		}
		method = "pss"
	}
	if d.Version != want {
		return nil, "", fmt.Errorf("%w: file says version %d", ErrCdiff, d.Version)
	}
	return d, method, nil
}

// applyScript edits a copy of files; the input map is left as it was, so a
// failed cdiff leaves the last good state intact.
func applyScript(ctx context.Context, files map[string][]byte, d *cdiff.Diff) (map[string][]byte, error) {
	out, err := cdiff.ApplyContext(ctx, files, d.Script)
	if err != nil {
		return nil, cdiffErr(err)
	}
	return out, nil
}

func cdiffErr(err error) error {
	switch {
	case errors.Is(err, cdiff.ErrEmpty):
		return fmt.Errorf("%w: %w", ErrMissing, err)
	case errors.Is(err, cdiff.ErrCorrupt):
		return fmt.Errorf("%w: %w", ErrGzip, err)
	case errors.Is(err, cvd.ErrBadSignature), errors.Is(err, cvd.ErrNoSignature):
		return fmt.Errorf("%w: %w", ErrSignature, err)
	}
	return fmt.Errorf("%w: %w", ErrCdiff, err)
}
