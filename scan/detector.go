package scan

import (
	"context"
	"io"
)

// Detector finds signatures in one file's bytes. *matcher.Matcher implements
// it; the engine in this package adds archives, nesting and limits around it.
// Implementations must be safe for concurrent use.
type Detector interface {
	// Detect returns the names of the signatures that match the size bytes
	// readable from r (allow and ignore lists already applied); none means
	// clean.
	Detect(ctx context.Context, r io.ReaderAt, size int64) ([]string, error)
}
