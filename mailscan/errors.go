package mailscan

import "errors"

// Errors. Process wraps them with the part or file they concern; every one
// of them means the original message was kept.
var (
	ErrParse       = errors.New("mailscan: message cannot be parsed safely")
	ErrScan        = errors.New("mailscan: scan failed")
	ErrUnscannable = errors.New("mailscan: attachment could not be scanned (policy: tempfail)")
	ErrQuarantine  = errors.New("mailscan: quarantine failed")
	ErrNoStore     = errors.New("mailscan: no quarantine to keep the original in")
	ErrRewrite     = errors.New("mailscan: rewrite failed")
	ErrInternal    = errors.New("mailscan: internal error")
	ErrPolicy      = errors.New("mailscan: bad policy")
	ErrInput       = errors.New("mailscan: bad input")
)
