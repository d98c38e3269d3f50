package sigdb

import (
	"errors"
	"fmt"
)

// Errors callers test with errors.Is.
var (
	ErrNotStore     = errors.New("sigdb: not a sigtool store")
	ErrNewerSchema  = errors.New("sigdb: store written by a newer sigtool")
	ErrCorrupt      = errors.New("sigdb: store is corrupted")
	ErrNoFeed       = errors.New("sigdb: no such feed")
	ErrRollback     = errors.New("sigdb: refusing to replace a feed with an older version")
	ErrInvalidInput = errors.New("sigdb: invalid signature input")
	ErrUnknownFile  = errors.New("sigdb: not a signature file or container")
	ErrLocked       = errors.New("sigdb: store is in use by another process")
)

// LineError is a bad line in an input file. Its message is "FILE:LINE: what".
type LineError struct {
	File string
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }

// Unwrap lets errors.Is see both ErrInvalidInput and the parser's error.
func (e *LineError) Unwrap() []error { return []error{ErrInvalidInput, e.Err} }
