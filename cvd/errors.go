package cvd

import "errors"

// Sentinel errors. Functions wrap them with the file, member or line they
// concern, so test with errors.Is and show err.Error() to people.
var (
	ErrBadHeader        = errors.New("cvd: malformed header")
	ErrBadMD5           = errors.New("cvd: body MD5 does not match header")
	ErrTruncated        = errors.New("cvd: truncated")
	ErrBadTar           = errors.New("cvd: malformed tar")
	ErrBadBody          = errors.New("cvd: body is neither gzip nor a tar starting with COPYING")
	ErrTooLarge         = errors.New("cvd: decompressed size over limit")
	ErrBadName          = errors.New("cvd: bad member name")
	ErrBadSignature     = errors.New("cvd: bad signature")
	ErrNoSignature      = errors.New("cvd: no signature")
	ErrBadKey           = errors.New("cvd: unusable key")
	ErrBadInfo          = errors.New("cvd: malformed .info")
	ErrInfoHeader       = errors.New("cvd: .info header disagrees with container header")
	ErrMemberMismatch   = errors.New("cvd: member does not match .info")
	ErrSignInvalid      = errors.New("cvd: .sign signature invalid")
	ErrSignUnverifiable = errors.New("cvd: .sign cannot be verified")
)
