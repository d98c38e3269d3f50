package scan

import (
	"context"
	"io"

	"github.com/sigtool/sigtool/unpack"
)

// Options configure an [Engine].
type Options struct {
	// Limits bound one Scan: MaxFileSize per file or member, MaxScanSize
	// and MaxFiles across the whole tree, MaxRecursion on nesting. A zero
	// field means no limit; use [DefaultOptions] for ClamAV's defaults.
	Limits unpack.Limits
	// AlertExceedsMax adds a "Heuristics.Limits.Exceeded.<Limit>"
	// signature wherever a limit was hit, so the file counts as infected
	// (clamscan --alert-exceeds-max). Off, the limit is still recorded in
	// Result.Limit and Result.Err.
	AlertExceedsMax bool
	// SkipArchives scans an archive's own bytes but not its members
	// (clamscan --scan-archive=no).
	SkipArchives bool
	// MaxScriptNormalize is the largest text that is also matched in
	// normalised form (target 7), ClamAV's --max-scriptnormalize; 0 means
	// no limit.
	MaxScriptNormalize int64
	// Expand, when set, is offered every file and member before archive
	// formats are tried, with the scan's Limits to keep to. If it
	// returns true, the parts it returns are scanned as the file's
	// members (a mail message's attachments, say).
	Expand func(ctx context.Context, name string, r io.ReaderAt, size int64, lim unpack.Limits) ([]Part, bool)
}

// Part is one piece of a file that [Options.Expand] split up. Err, a
// *unpack.LimitError, says the file was not split up all the way (a
// limit stopped it); the Result then records that limit.
type Part struct {
	Name    string
	Content io.ReaderAt
	Size    int64
	Err     error
}

// DefaultOptions returns ClamAV's default limits (see unpack.DefaultLimits)
// with limits recorded but not alerted, as clamscan does by default.
func DefaultOptions() Options {
	return Options{Limits: unpack.DefaultLimits(), MaxScriptNormalize: DefaultMaxScriptNormalize}
}

// DefaultMaxScriptNormalize is ClamAV's default --max-scriptnormalize.
const DefaultMaxScriptNormalize = 20 << 20

// LimitsExceeded prefixes the signature reported for a limit when
// Options.AlertExceedsMax is set; ClamAV uses the same names.
const LimitsExceeded = "Heuristics.Limits.Exceeded"
