package unpack

import (
	"errors"
	"fmt"
)

var (
	// ErrFormat means the input is not an archive of the format asked for.
	ErrFormat = errors.New("unpack: not a recognised archive")
	// ErrCorrupt means the archive is damaged or truncated.
	ErrCorrupt = errors.New("unpack: corrupt archive")
	// ErrUnsupported means the archive uses a method this package cannot
	// decode (for example zip LZMA); the member is reported, unread.
	ErrUnsupported = errors.New("unpack: unsupported compression method")
	// ErrNoUnpacker means the input is a container this package
	// recognises but cannot open (CAB, ARJ, a UPX-packed executable...):
	// its members were not scanned.
	ErrNoUnpacker = errors.New("unpack: container format not supported")
	// ErrEncrypted is set on members that are encrypted and so not read.
	ErrEncrypted = errors.New("unpack: encrypted")
	// ErrLimit is what every *LimitError matches with errors.Is.
	ErrLimit = errors.New("unpack: limit exceeded")
	// ErrNotRebuildable means [Rebuild] cannot write this format.
	ErrNotRebuildable = errors.New("unpack: format cannot be rebuilt")
)

// Limit names one of the [Limits]; the names are the ClamAV option names so
// that a report reads the same as clamscan's.
type Limit string

const (
	LimitFileSize  Limit = "MaxFileSize"
	LimitScanSize  Limit = "MaxScanSize"
	LimitFiles     Limit = "MaxFiles"
	LimitRecursion Limit = "MaxRecursion"
	LimitRatio     Limit = "MaxRatio"
)

// LimitError reports which limit stopped the work and where.
type LimitError struct {
	Limit  Limit
	Member string // member name, "" for the archive as a whole
	Max    int64  // the limit in force
}

func (e *LimitError) Error() string {
	where := ""
	if e.Member != "" {
		where = fmt.Sprintf(" (member %q)", e.Member)
	}
	return fmt.Sprintf("unpack: limit exceeded: %s %d%s", e.Limit, e.Max, where)
}

// Unwrap lets errors.Is(err, ErrLimit) match any limit.
func (e *LimitError) Unwrap() error { return ErrLimit }

func isLimit(err error) bool { return errors.Is(err, ErrLimit) }
