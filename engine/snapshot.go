package engine

import (
	"time"

	"github.com/sigtool/sigtool/mailscan"
	"github.com/sigtool/sigtool/matcher"
	"github.com/sigtool/sigtool/scan"
)

// Snapshot is one compiled state of the store. It is immutable once
// returned (do not modify its maps) and safe for concurrent use; a scan
// that holds it keeps using it however many reloads happen meanwhile.
type Snapshot struct {
	// Matcher finds signatures in one file's bytes (Detect, Stats).
	*matcher.Matcher
	// Scan is the recursive archive scanner built on Matcher.
	Scan *scan.Engine
	// Mail is the mail gateway scanner built on Scan, when Options.Mail
	// was set; nil otherwise.
	Mail *mailscan.Scanner

	// Versions maps each store feed to the version compiled in, and
	// Digests to its content digest: both read in the same consistent view
	// of the store as the signature lines.
	Versions map[string]int
	Digests  map[string]string
	// Built is when compiling finished; Took how long it took.
	Built time.Time
	Took  time.Duration
	// Generation counts the snapshots a Live has served, from 1.
	Generation uint64

	// Lines is the number of signature lines read (comments and blank
	// lines included).
	Lines int
	// Unloaded counts lines that hold a signature this snapshot does not
	// use, by reason (the Unload* constants). The matcher's own count of
	// signatures it holds but never evaluates is in Stats().NotEvaluated.
	Unloaded map[string]int
	// Problems are the first few unloaded lines that are errors (invalid
	// or refused by the matcher), as "feed file:line: error".
	Problems []string

	// Segments is the number of matcher segments (segments.go), and
	// Reused how many of them the previous snapshot had already built.
	Segments, Reused int
	parts            map[[32]byte]*part
	clean            *cleanCache // nil when Options.CleanCache is negative
}

// Reasons a stored line is not in a snapshot.
const (
	UnloadInvalid  = "invalid line"              // imported with --skip-invalid
	UnloadRejected = "refused by the matcher"    // e.g. a pattern that can never match
	UnloadSkip     = "not loaded at this FLevel" // ClamAV would skip it too (Entry.Skip)
	UnloadPUA      = "PUA signature, PUA not enabled"
)

// maxProblems bounds Snapshot.Problems; the counts in Unloaded are complete.
const maxProblems = 20

// Version returns the compiled version of a store feed, and whether the
// snapshot holds that feed at all.
func (s *Snapshot) Version(feed string) (int, bool) {
	v, ok := s.Versions[feed]
	return v, ok
}
