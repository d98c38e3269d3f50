package unpack

// Limits bound the work done on one input. Zero in a field means "no
// limit" (except SpillSize, where zero means the default).
type Limits struct {
	// MaxFileSize is the most bytes read from one member; a larger member
	// is yielded with the first MaxFileSize bytes and a LimitFileSize error.
	MaxFileSize int64
	// MaxScanSize is the most bytes expanded from one archive (and, in
	// package scan, from one whole scan).
	MaxScanSize int64
	// MaxFiles is the most members yielded.
	MaxFiles int
	// MaxRecursion is how deep archives may nest; Walk itself does not
	// recurse, the caller enforces it.
	MaxRecursion int
	// MaxRatio is the largest allowed ratio of bytes expanded to compressed
	// bytes consumed, checked once more than RatioFloor bytes came out.
	MaxRatio int64
	// RatioFloor lets small, very compressible members through the ratio
	// check: a 1 KiB file of spaces is not a bomb.
	RatioFloor int64
	// SpillSize is the member size above which content goes to a
	// temporary file instead of memory.
	SpillSize int64
	// TempDir is where spilled members go; "" means os.TempDir().
	TempDir string
}

const (
	mib = 1 << 20

	defaultSpillSize = 16 * mib
)

// DefaultLimits returns ClamAV's default limits (libclamav/default.h:
// max-filesize 100 MiB, max-scansize 400 MiB, max-files 10000,
// max-recursion 17) and a ratio limit of 250:1 once 8 MiB have come out.
// Real documents rarely pass 100:1 and bombs sit near the format's maximum
// (about 1000:1 for deflate, far more for bzip2 and xz), so 250 separates
// them; the floor lets small, very repetitive files through.
func DefaultLimits() Limits {
	return Limits{
		MaxFileSize:  100 * mib,
		MaxScanSize:  400 * mib,
		MaxFiles:     10000,
		MaxRecursion: 17,
		MaxRatio:     250,
		RatioFloor:   8 * mib,
		SpillSize:    defaultSpillSize,
	}
}
