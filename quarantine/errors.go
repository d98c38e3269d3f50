package quarantine

import "errors"

// Errors, wrapped with the path or ID they concern.
var (
	ErrNotFound  = errors.New("quarantine: no such item")
	ErrAmbiguous = errors.New("quarantine: ID prefix matches several items")
	ErrBadID     = errors.New("quarantine: malformed ID")
	ErrCorrupt   = errors.New("quarantine: item does not match its ID")
	ErrLocked    = errors.New("quarantine: store is locked by another process")
	ErrNotStore  = errors.New("quarantine: not a quarantine store")
	ErrSchema    = errors.New("quarantine: store written by a newer version")
)
