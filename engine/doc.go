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
// # Memory
//
// During a reload the old and the new matcher are both alive, so a swap
// costs at least one extra matcher: with one monolithic matcher the peak
// cannot go below twice the matcher's size. Compile lowers the garbage
// collector's target while it builds (garbage from parsing would otherwise
// let the heap grow to twice what is live: 2.8x instead of 2.2x in the
// small benchmark) and Live returns the old snapshot's memory to the
// system right after the swap, once no new scan can take it
// (debug.FreeOSMemory). Measured with BenchmarkReload (anonymous RSS, peak
// over steady state): 2.2x for 20k body + 200k hash signatures, 2.5x for
// 300k + 4M (420 MB steady, 1010-1050 MB peak, 5.4-6.9 s on 2 shared
// cores, of which matcher.Build 2-2.5 s). A GC target of 100 saves
// little time there (the old matcher already keeps the heap large) and
// peaks at 1.3 GB; a memory limit (GOMEMLIMIT=900MiB) brought the peak to
// 910 MB at no measured cost, but a limit is process-wide and must suit
// the operator's whole process, so it is theirs to set. Going below 1.5x
// needs matchers that share what did not change, e.g. one per feed.
package engine
