package cdiff

import "errors"

// Sentinel errors; wrapped with the script line and database file they
// concern.
var (
	// ErrEmpty is a zero-byte cdiff: the mirror's way to say "fetch the CVD".
	ErrEmpty     = errors.New("cdiff: empty file")
	ErrBadHeader = errors.New("cdiff: malformed header")
	ErrCorrupt   = errors.New("cdiff: corrupt")
	ErrSyntax    = errors.New("cdiff: bad script")
	ErrApply     = errors.New("cdiff: cannot apply")
	// ErrPrefix is an edit whose <orig> does not prefix the current line:
	// the script was made for another version of the file.
	ErrPrefix = errors.New("cdiff: prefix mismatch")
)
