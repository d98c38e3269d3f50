package feeds

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"

	"github.com/sigtool/sigtool/sigdb"
)

// updateFiles refreshes a files feed: each URL is fetched conditionally and
// checked against URL.sha256; when any file changed, the whole feed is
// replaced (unchanged files come from the store) as version+1.
func (u *Updater) updateFiles(ctx context.Context, run *runState, fc *FeedConfig) FeedResult {
	res := FeedResult{Store: fc.Name}
	local, err := u.localFeed(fc.Name)
	if err != nil {
		res.Err = err
		return res
	}
	stored := map[string][]byte{}
	if local != nil {
		res.From, res.To = local.Version, local.Version
		fs, err := u.store.FeedFiles(ctx, fc.Name)
		if err != nil {
			res.Err = fmt.Errorf("%w: %w", ErrStore, err)
			return res
		}
		for _, f := range fs {
			stored[f.Name] = f.Data
		}
	}
	type fetched struct {
		url string
		val validators
	}
	var (
		files   []sigdb.File
		changed []fetched
	)
	for _, raw := range fc.URLs {
		name := fileNameOfURL(raw)
		old, have := stored[name]
		hdr := http.Header{}
		if have {
			u.loadValidators(raw).apply(hdr)
		}
		d, err := u.fetch(ctx, run, originOf(raw), raw, hdr)
		if err != nil {
			res.Err = fmt.Errorf("%s: %w", name, err)
			return res
		}
		if d == nil {
			if !have { // 304 for a file we never stored: the mirror is confused
				res.Err = fmt.Errorf("%s: %w: 304 without a conditional request", name, ErrHTTPStatus)
				return res
			}
			files = append(files, sigdb.File{Name: name, Data: old})
			continue
		}
		if err := u.checkSHA256File(ctx, run, raw, d); err != nil {
			res.Err = fmt.Errorf("%s: %w", name, err)
			return res
		}
		data, err := d.bytes()
		if err != nil {
			res.Err = err
			return res
		}
		u.log.Info("downloaded", "feed", fc.Name, "file", name, "bytes", d.Size)
		files = append(files, sigdb.File{Name: name, Data: data})
		changed = append(changed, fetched{raw, validatorsOf(&http.Response{Header: d.Header})})
	}
	if len(changed) == 0 && local != nil && len(stored) == len(files) {
		res.Status = StatusUpToDate
		return res
	}
	meta := sigdb.FeedMeta{Name: fc.Name, Version: res.From + 1, BuildTime: u.now().UTC(), Source: originOf(fc.URLs[0]), Format: "files"}
	n, err := u.replace(ctx, meta, files)
	if err != nil {
		res.Err = err
		return res
	}
	// Only now: a failed import must not make the next cycle skip the files.
	for _, c := range changed {
		u.saveValidators(c.url, c.val)
	}
	res.Status, res.To, res.Method, res.Verified, res.Signatures = StatusUpdated, meta.Version, "files", "sha256", n
	return res
}

// checkSHA256File fetches URL.sha256 ("HEX" or sha256sum's "HEX  NAME")
// and compares it with the download.
func (u *Updater) checkSHA256File(ctx context.Context, run *runState, raw string, d *download) error {
	sd, err := u.fetch(ctx, run, originOf(raw), raw+".sha256", nil)
	if err != nil {
		return fmt.Errorf(".sha256: %w", err)
	}
	b, err := sd.bytes()
	if err != nil {
		return err
	}
	want, err := parseSHA256File(b)
	if err != nil {
		return err
	}
	if want != d.SHA256 {
		return fmt.Errorf("%w: file has %s, %s says %s", ErrChecksum, d.SHA256, raw+".sha256", want)
	}
	return nil
}

func parseSHA256File(b []byte) (string, error) {
	f := strings.Fields(string(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))))
	if len(f) == 0 {
		return "", fmt.Errorf("%w: empty .sha256 file", ErrChecksum)
	}
	h := strings.ToLower(strings.TrimPrefix(f[0], "\\"))
	if d, err := hex.DecodeString(h); err != nil || len(d) != 32 {
		return "", fmt.Errorf("%w: .sha256 file does not start with 64 hex digits", ErrChecksum)
	}
	return h, nil
}
