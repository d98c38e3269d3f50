package scan

import (
	"context"
	"io"

	"github.com/sigtool/sigtool/filetype"
	"github.com/sigtool/sigtool/matcher"
)

// Detector finds signatures in one piece of content. *matcher.Matcher
// implements it; the engine in this package adds types, archives, nesting,
// normalisation and limits around it. Implementations must be safe for
// concurrent use.
type Detector interface {
	// Match returns the signatures that match the size bytes readable
	// from r (allow and ignore lists already applied; no names means
	// clean) and the types a HandlerType signature asks the content to be
	// scanned as again. info says what the content is and where it was
	// found (see filetype.Info).
	Match(ctx context.Context, r io.ReaderAt, size int64, info filetype.Info) (matcher.Result, error)
}
