package feeds

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Sentinel errors. Every failure RunOnce reports wraps one of them (and,
// where it came from another package, that package's error too), so callers
// can test with errors.Is and Reason can name the check that failed.
var (
	ErrConfig       = errors.New("feeds: invalid configuration")
	ErrConnect      = errors.New("feeds: cannot connect")
	ErrConnTimeout  = errors.New("feeds: connect timed out")
	ErrStalled      = errors.New("feeds: transfer stalled")
	ErrHTTPStatus   = errors.New("feeds: unexpected HTTP status")
	ErrForbidden    = errors.New("feeds: mirror refused access (403)")
	ErrRateLimited  = errors.New("feeds: mirror rate-limited us (429)")
	ErrNotFound     = errors.New("feeds: not on mirror (404)")
	ErrCoolDown     = errors.New("feeds: mirror on cool-down")
	ErrLength       = errors.New("feeds: download length mismatch")
	ErrTooLarge     = errors.New("feeds: download larger than max_download_size")
	ErrChecksum     = errors.New("feeds: SHA-256 mismatch")
	ErrMD5          = errors.New("feeds: MD5 mismatch")
	ErrGzip         = errors.New("feeds: damaged compressed data")
	ErrSignature    = errors.New("feeds: signature check failed")
	ErrCdiff        = errors.New("feeds: cdiff could not be applied")
	ErrInfo         = errors.New("feeds: result does not match its .info")
	ErrMissing      = errors.New("feeds: update not available on mirror")
	ErrRollback     = errors.New("feeds: refusing an older version")
	ErrBadManifest  = errors.New("feeds: malformed manifest")
	ErrBadContainer = errors.New("feeds: malformed container")
	ErrStore        = errors.New("feeds: store update failed")
)

// StatusError is an HTTP answer we cannot use. It unwraps to ErrForbidden,
// ErrRateLimited, ErrNotFound or ErrHTTPStatus.
type StatusError struct {
	URL    string
	Code   int
	Status string
	// Until is the end of the cool-down the answer caused (403, 429).
	Until time.Time
	// Ray is the CDN's CF-RAY header, which operators need for a ticket.
	Ray string
	// Body is the start of the response body, for the log.
	Body string
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("GET %s: %s", e.URL, e.Status)
	if !e.Until.IsZero() {
		s += ", cool-down until " + e.Until.UTC().Format(time.RFC3339)
	}
	return s
}

func (e *StatusError) Unwrap() error {
	switch e.Code {
	case 403:
		return ErrForbidden
	case 429:
		return ErrRateLimited
	case 404:
		return ErrNotFound
	}
	return ErrHTTPStatus
}

// CoolDownError says a mirror was skipped without a request.
type CoolDownError struct {
	Mirror string
	Until  time.Time
	Status int
}

func (e *CoolDownError) Error() string {
	return fmt.Sprintf("%s: on cool-down until %s (after HTTP %d)", e.Mirror, e.Until.UTC().Format(time.RFC3339), e.Status)
}

func (e *CoolDownError) Unwrap() error { return ErrCoolDown }

// Reason names the check behind err in one short word, for logs and the
// failures-by-reason metric: connect, timeout, http-403, http-429,
// http-NNN, cooldown, length, md5, gzip, signature, cdiff, info, missing,
// rollback, manifest, checksum, store, canceled, or other.
func Reason(err error) string {
	var se *StatusError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &se):
		return "http-" + strconv.Itoa(se.Code)
	case errors.Is(err, ErrCoolDown):
		return "cooldown"
	case errors.Is(err, ErrConnTimeout), errors.Is(err, ErrStalled):
		return "timeout"
	case errors.Is(err, ErrConnect):
		return "connect"
	case errors.Is(err, ErrLength), errors.Is(err, ErrTooLarge):
		return "length"
	case errors.Is(err, ErrMD5):
		return "md5"
	case errors.Is(err, ErrGzip):
		return "gzip"
	case errors.Is(err, ErrSignature):
		return "signature"
	case errors.Is(err, ErrInfo):
		return "info"
	case errors.Is(err, ErrCdiff):
		return "cdiff"
	case errors.Is(err, ErrChecksum):
		return "checksum"
	case errors.Is(err, ErrRollback):
		return "rollback"
	case errors.Is(err, ErrMissing):
		return "missing"
	case errors.Is(err, ErrBadManifest):
		return "manifest"
	case errors.Is(err, ErrBadContainer):
		return "container"
	case errors.Is(err, ErrStore):
		return "store"
	case errors.Is(err, ErrHTTPStatus):
		return "http"
	case errors.Is(err, errCanceled):
		return "canceled"
	}
	return "other"
}

var errCanceled = errors.New("feeds: canceled")
