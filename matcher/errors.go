package matcher

import "errors"

// Sentinel errors. They are wrapped with the signature name or file offset
// they concern: test with errors.Is, show err.Error() to people.
var (
	// ErrBadSignature: an entry the builder cannot compile (empty part,
	// a gap whose minimum exceeds its maximum, a negated alternative of
	// mixed lengths, a hash of the wrong length...).
	ErrBadSignature = errors.New("matcher: bad signature")
	// ErrBuilt: Add or Build called on a Builder that already built.
	ErrBuilt = errors.New("matcher: builder already used")
	// ErrShortRead: the reader returned fewer bytes than the declared size.
	ErrShortRead = errors.New("matcher: data shorter than declared size")
)
