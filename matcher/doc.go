// Package matcher compiles parsed ClamAV signatures (package sigfile) into
// an immutable Matcher and finds them in file data. A Matcher is safe for
// concurrent use; the daemon swaps a new one in with atomic.Pointer.
//
// What is evaluated: .ndb body signatures (every hex construct, offsets *,
// n, EOF-n, EP±n, Sx+n, SEx, SL+n with ,maxshift, VI; every target ClamAV
// uses, 0-7 and 9-14, by the content's type: Match takes a filetype.Info
// from the scan engine, Detect types the content itself), .ldb logical
// signatures over body subsignatures (modifiers i, w, f, a; expressions as
// ClamAV's evaluator reads them; TDB Target, Engine, FileSize, EntryPoint,
// NumberOfSections, Container, Intermediates, HandlerType; PCRE
// subsignatures, pcre.go and pcresyntax.go), whole-file MD5/SHA-1/SHA-256
// hashes with a size or "*", PE section hashes, .fp/.sfp allow lists and
// .ign/.ign2 ignore lists. Everything else loaded (byte-compare, macro and
// image-hash subsignatures, macro offsets, IconGroup without an icon
// database, target 8, PCRE constructs regexp2 cannot run as PCRE2 does,
// FLevel out of range) is counted in Stats.NotEvaluated by reason, never
// silently dropped.
//
// PCRE subsignatures run on github.com/dlclark/regexp2, a backtracking
// engine with the PCRE features real signatures use (backreferences,
// named groups, lookaround, lazy and possessive quantifiers) that Go's
// regexp lacks; its patterns are first rewritten so that classes, \b and
// case folding are those of PCRE2 on bytes with the C locale, as ClamAV
// compiles them (pcresyntax.go). A search gives up after pcreTimeout where
// PCRE2 gives up after a backtracking count; both count that as no match.
// A PCRE is run only when its trigger holds and its logical signature
// can still match, and not on content that lacks a literal every match
// contains (pcrelit.go) or a run of bytes it needs (pcrerun.go); one that
// starts with a literal and ".*" is searched as the literal's first
// occurrence and the rest after it (pcresplit.go).
//
// Executable layout (exe.go, vinfo.go) is parsed only for content typed
// MSEXE, ELF or Mach-O, the way ClamAV parses it for its "target info":
// when the headers do not parse, the content keeps its type (its target's
// signatures at other offsets still apply) but no offset relative to the
// file is computed for it, EOF-n included, as in ClamAV.
//
// Semantics follow ClamAV (libclamav/matcher-ac.c) where it is observable:
// (B), (L), (W) at the first or last position of a part are conditions on
// the neighbouring byte or the file edge, elsewhere they consume a byte
// (L: LF or CRLF; a lone CR is no line end); {n} with n < 128 is expanded in
// place, longer gaps split the pattern; "w" doubles gaps. A pattern matches
// when some placement of all its parts satisfies every gap and the offset;
// ldb counts are the number of distinct anchor (or start) positions where a
// subsignature matched; a subsignature that gaps split and whose count
// matters is anchored in its last part, so that it counts as ClamAV
// counts it, once per position of that part.
//
// Where we are lenient, and why:
//   - A PE is read with a small parser of our own rather than debug/pe,
//     which refuses files whose COFF symbol-table pointer is garbage (common
//     in packed samples that Windows and ClamAV load), and an ELF with one
//     rather than debug/elf, which refuses one whose section table was
//     overwritten; both accept what ClamAV accepts and refuse what it
//     refuses.
//   - Section hashes are checked in PE32 and PE32+ alike.
//   - An .ign2 entry qualified by an MD5 applies only to lines added with
//     AddLine after it (the MD5 is of the line); name-only entries apply in
//     any order.
//
// # Design
//
// A scan is two passes over the data, in 1 MiB chunks (content already in
// memory is probed in place): a filter that finds candidate positions, and
// a verifier that decides each candidate. Aho-Corasick is not used: at the
// sizes of real databases its tables do not fit memory (NOTES.md).
//
//   - Anchors (anchor.go, freq.go): each pattern gets an anchor part and,
//     for every residue mod the tier's stride, a gram (4 bytes, or 3 in the
//     every-byte tier) at a fixed distance in it, with its variants
//     (nibble masks, small sets, case folding, "??"). Grams are chosen by
//     how rare they are in real files (gramfreq.bin, a byte-pair table
//     learnt from real PE, ELF, documents and text).
//   - The filter (filter.go, kernel*.go, long.go): the main tier probes
//     4-grams at stride 4 with a vector kernel over a blocked Bloom filter,
//     and a probe that passes it must pass a second one over 8 bytes
//     around it (the 8 bytes after the gram, the 4 before and the gram, or
//     the gram alone, as the entry's part fixes them); the rest probe
//     3-grams at every byte through a bitmap (the direct kernel). Both
//     kernels append the positions that pass to the lookup batch.
//     Passing probes are looked up in batches in an exact table, and each
//     entry's 15-byte check window (values, masks) confirms the bytes
//     around the gram before any per-pattern work; a main-tier window ends
//     at the part's last fixed byte when the gram is near it, so that it
//     checks 15 bytes of the part wherever the part has them. A tier whose entries
//     are mostly for one target (PE, in ClamAV's databases) has filters of
//     its own for content of each other target: their entries do not pass
//     there.
//   - Verification (verify.go, count.go, search.go, memo.go, view.go): a
//     backtracking walk over the pattern's parts and gaps, bounded by the
//     offset's range of starts, with bytes.Index over gaps for parts that
//     start with fixed bytes, memoized per candidate and with monotone
//     facts for unbounded gaps per scan, reading through a view of the
//     chunk and, beyond it, the io.ReaderAt. No maps; its tables are
//     reused from scan to scan.
//   - Patterns that the filter would flood (executable offsets, absolute
//     and EOF offsets with few starts and a common anchor) are checked
//     directly at the positions their offset allows (offset.go), each
//     start first against a check window of the first part's 15 bytes
//     kept, with the target and offset, in a dense list (directPat);
//     the list is grouped by target and offset and, for one start
//     position, sorted by first byte (directSet), so that a content
//     visits only the patterns its targets and bytes allow; patterns
//     that are one byte repeated (00000000) by a search for their runs,
//     only while one can still change the verdict (run.go).
//   - Hashes (hashset.go, hashside.go, digest.go, names.go, arena.go):
//     sorted, pointer-free blocks per digest type with a directory by the
//     leading bits, front-coded names; a digest is computed only when some
//     hash signature has the file's size, in the same pass as matching.
//   - Segments (segment.go): a Builder builds a Segment; Combine builds the
//     filter over any number of segments, so a daemon reload rebuilds only
//     the groups of lines that changed (package engine).
//
// Files: builder.go (Builder, AddLine, Build), compile.go and program.go
// (patterns to parts of ops), anchor.go and freq.go (anchor and gram
// choice; gramfreq.bin and gramfreq.md, from freqgen), filter.go (tiers,
// placement, probing, batched lookups), long.go (the main tier's 8-byte
// filter), kernel.go, kernel_amd64.go/.s,
// kernel_direct*.go, kernel_other.go (probe loops), matcher.go (Matcher,
// Detect, Match, the scan state), offset.go (offsets, targets, direct
// checks), run.go (run patterns), exe.go and vinfo.go (PE/ELF/Mach-O layout, version info),
// verify.go, count.go, search.go, memo.go, view.go (verification),
// logical.go (logical signatures, expressions, target descriptions),
// pcre.go, pcresyntax.go, pcrelit.go, pcrerun.go and pcresplit.go (PCRE
// subsignatures), hashset.go, hashside.go,
// digest.go, names.go, arena.go (hash sets and names), segment.go
// (segments, Combine), textview.go (ForNormalizedText: the patterns that
// can match normalised text), stats.go (Stats, Reason), errors.go, gen.go
// (generated signatures for benchmarks and tests).
//
// Benchmarks: bench_test.go (BenchmarkBuild, BenchmarkScan,
// BenchmarkScanSmall, BenchmarkTiers, BenchmarkScanSegments),
// kernel_test.go, kernel_direct_test.go, ac_bench_test.go; real databases
// on real files beside clamscan: difftest's BenchmarkRealData. The
// history of the design, with what each change measured and the commits
// that made it, is in NOTES.md.
package matcher
