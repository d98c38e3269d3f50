package mailmime

import "errors"

// Limits that keep hostile input from costing unbounded work.
const (
	// MaxDepth is the deepest nesting Parse descends into; the part at
	// this depth is kept as a leaf and reported with ErrTooDeep.
	MaxDepth = 64
	// MaxParts caps the parts of one message; the rest of the bytes stay
	// in the last part, reported with ErrTooManyParts.
	MaxParts = 10000
)

// Errors. Parse reports the structural ones wrapped with the part's
// position; a caller that must not miss content should treat them as
// "doubt" (the bytes are all still there, but not every part was walked).
var (
	ErrTooDeep      = errors.New("mailmime: parts nested too deeply")
	ErrTooManyParts = errors.New("mailmime: too many parts")
	ErrNotTNEF      = errors.New("mailmime: not a TNEF stream")
	ErrBadTNEF      = errors.New("mailmime: corrupt TNEF stream")
	ErrNotMaildir   = errors.New("mailmime: not a Maildir (no cur/ or new/)")
	ErrNoUUData     = errors.New("mailmime: no uuencoded data")
)

// Defects recorded in Part.Defects (not returned by Parse).
var (
	ErrNoBoundary      = errors.New("mailmime: multipart without a usable boundary")
	ErrNoCloseBoundary = errors.New("mailmime: missing closing boundary")
	ErrBadContentType  = errors.New("mailmime: unparsable Content-Type")
)
