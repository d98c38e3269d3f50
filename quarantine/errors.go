package quarantine

import (
	"errors"
	"fmt"
	"strings"
)

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

// AmbiguousError is a prefix that more than one item's ID starts with. It
// lists them, as git does, so the caller can give a longer prefix.
type AmbiguousError struct {
	Prefix     string
	Matches    int    // how many items match
	Candidates []Item // the first of them, by ID
}

func (e *AmbiguousError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "quarantine: ID prefix %s is ambiguous, %d items match (give more digits):", e.Prefix, e.Matches)
	for _, it := range e.Candidates {
		fmt.Fprintf(&b, "\n  %s", it.Summary())
	}
	if rest := e.Matches - len(e.Candidates); rest > 0 {
		fmt.Fprintf(&b, "\n  and %d more", rest)
	}
	return b.String()
}

func (e *AmbiguousError) Is(target error) bool { return target == ErrAmbiguous }
