// Package engine holds the live scanning state a daemon shares across many
// connections: a Snapshot (the compiled matcher, the scan engine built on
// it, and the feed versions it was compiled from) behind an atomic pointer
// that Live swaps when the store changes.
//
// A reload follows Prometheus's configuration reload: read and compile
// everything aside while the old snapshot keeps serving, then swap one
// pointer. A scan that took the old snapshot finishes on it; the next scan
// sees the new one. When anything fails the old snapshot stays and the
// failure is counted and timestamped, so an operator sees a stale engine
// instead of a dead one.
//
// # Where it is lenient, and why
//
// The store already refused bad lines at import, except those an operator
// imported with --skip-invalid, and the matcher may refuse a line the
// parser accepts (a pattern that can never match, say). One such line must
// not keep every later update from serving, so Compile leaves it out,
// counts it by reason in Snapshot.Unloaded and keeps the first few as
// Snapshot.Problems (feed, file, line) for the log. A failure to read the
// store, by contrast, fails the reload.
//
// # Clean cache
//
// Like clamd's, each snapshot remembers the content it found clean
// (clean.go: by SHA-256, Options.CleanCache entries, least recently used
// out), so the same attachment streamed again is answered without a scan;
// a reload starts an empty cache, since the new signatures may find what
// the old ones passed.
//
// # Memory
//
// During a reload the old and the new snapshot are both alive. With one
// monolithic matcher that cost a second copy of everything: 2.8x the
// steady state at 300k body + 4M hash signatures. So a snapshot's matcher
// is combined from segments (segments.go): groups of consecutive stored
// chunks, keyed by their digests, the ignore lists and the options. A
// reload reuses the segments the serving snapshot holds for unchanged
// groups, builds the changed ones (in parallel), and rebuilds only the
// filter over all patterns (about a tenth of the matcher). The store cuts
// chunks by content, so a cdiff's insertions and deletions change a few
// groups, not every group after the first edit. Compile also lowers the
// garbage collector's target while it builds, and Live returns the old
// snapshot's memory to the system right after the swap, once no new scan
// can take it (debug.FreeOSMemory).
//
// Measured with BenchmarkReload (300k + 4M, a daily-sized update of 500
// signatures; anonymous RSS; several runs): 94 segments, 93 reused; the
// new matcher serves 1.3-1.5 s after the update is in the store (4.6-5.8
// s with one matcher); peak 405-463 MB over a steady 328-349 MB,
// 1.23-1.33x (2.5-2.8x with one matcher). The price: the steady state is
// ~10% larger (per-segment hash and size sets, the anchor grams kept for
// the next filter), and a scan resolves each candidate's segment and
// looks a digest up in every hash segment when some hash has the file's
// size (matcher BenchmarkScanSegments: no measurable cost).
package engine
