package mailmime

import "errors"

// Limits keep hostile input from costing unbounded work. A scanner
// passes its own (package scan's MailLimits makes them from the scan
// limits, so a message is walked as far by every path); Parse uses
// DefaultLimits.
type Limits struct {
	// MaxDepth is the deepest nesting Parse descends into; the part at
	// this depth is kept as a leaf and reported with ErrTooDeep.
	MaxDepth int
	// MaxParts caps the parts of one message; the rest of the bytes stay
	// in the last part, reported with ErrTooManyParts.
	MaxParts int
}

// The default limits, for a parse no scan limit bounds.
const (
	MaxDepth = 64
	MaxParts = 10000
)

// DefaultLimits are MaxDepth and MaxParts.
var DefaultLimits = Limits{MaxDepth: MaxDepth, MaxParts: MaxParts}

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
