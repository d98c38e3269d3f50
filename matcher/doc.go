// Package matcher compiles parsed ClamAV signatures (package sigfile) into
// an immutable Matcher and finds them in file data. A Matcher is safe for
// concurrent use; the daemon swaps a new one in with atomic.Pointer.
//
// What is evaluated: .ndb body signatures (every hex construct, offsets *,
// n, EOF-n, EP±n, Sx+n, SEx, SL+n with ,maxshift; targets 0, 1 PE, 6 ELF,
// 9 Mach-O), .ldb logical signatures over body subsignatures (modifiers i,
// w, f, a; expressions with &, |, =, >, <, ",Y"; TDB Target, Engine,
// FileSize, EntryPoint, NumberOfSections), whole-file MD5/SHA-1/SHA-256
// hashes with a size or "*", PE section hashes, .fp/.sfp allow lists and
// .ign/.ign2 ignore lists. Everything else loaded (other targets, PCRE,
// byte-compare, macro and image-hash subsignatures, VI and macro offsets,
// Container/Intermediates/Icon/section TDB keys, HandlerType, FLevel out of
// range) is counted in Stats.NotEvaluated by reason, never silently dropped.
//
// Semantics follow ClamAV (libclamav/matcher-ac.c) where it is observable:
// (B), (L), (W) at the first or last position of a part are conditions on
// the neighbouring byte or the file edge, elsewhere they consume a byte
// (L: LF or CRLF; a lone CR is no line end); {n} with n < 128 is expanded in
// place, longer gaps split the pattern; "w" doubles gaps. A pattern matches
// when some placement of all its parts satisfies every gap and the offset;
// ldb counts are the number of distinct anchor (or start) positions where a
// subsignature matched.
//
// Where we are lenient, and why:
//   - A PE is read with a small parser of our own rather than debug/pe,
//     which refuses files whose COFF symbol-table pointer is garbage (common
//     in packed samples that Windows and ClamAV load). Unparsable
//     executables are treated as plain data, as ClamAV does.
//   - Section hashes are checked in PE32 and PE32+ alike.
//   - An .ign2 entry qualified by an MD5 applies only to lines added with
//     AddLine after it (the MD5 is of the line); name-only entries apply in
//     any order.
//
// # Design, and why not Aho-Corasick alone
//
// cloudflare/ahocorasick needs two 256-pointer arrays per trie node: 10k
// 16-byte patterns cost 638 MB and run at 23 MB/s, 50k cost 3.2 GB. At
// 300,000 signatures it cannot be the engine, and its dictionary would not
// help the short parts either, so it is not used.
//
// Instead each pattern gets one anchor: the best run of fixed bytes at a
// fixed distance from the start of its part (rare bytes preferred; grams of
// 00/FF/20/90/CC padding avoided). A run of k+3 bytes allows stride k: the
// pattern enters filter group k with the k 4-grams of its anchor, and the
// scan probes only every k-th position (k = 32, 16, 8, 4), each probe a
// multiply and one bit test in a bitmap of ~16 bits per gram; a hit looks up
// an exact sorted table. Anchors of 4-5 bytes and of 2-3 bytes share one
// pass over every position (denseGroup). Patterns with no two fixed bytes
// (only possible from hand-built ASTs; ClamAV rejects them) are tried at
// every allowed position; executable offsets (EP, Sx, SL) are checked only
// at the positions they allow. Candidates are verified by a backtracking
// matcher (verify.go) that reads through a view of the current chunk and,
// beyond it, the io.ReaderAt: a pattern may span chunk borders or a "*" of
// any length while Detect reads the file once, in order, in 1 MiB chunks.
// Unbounded gaps cache monotone facts per scan, so many candidates of one
// pattern cost one walk of the file, not one each.
//
// Hashes live in sorted, pointer-free arrays per digest type (digest, size,
// name index; a 256 KiB directory by the first two bytes); names in a block
// arena. Only the digest types the database uses are computed, in the same
// pass as matching (sha256-simd for SHA-256).
//
// # Measured (2 shared cores, load average 4-7 during the runs, so +-50%)
//
// Generated signatures (gen.go: 1-3 parts of 6-40 elements, ~12% of them
// wildcards or alternatives, 5% with an absolute or EOF offset); build
// excludes generation; scan is 64 MiB of random data, nothing matches.
//
//	signatures        build   peak RSS  retained  scan (one core)
//	10k body          0.08 s    19 MB      5 MB   130-350 MB/s
//	100k body         0.7 s    100 MB     45 MB    48-115 MB/s
//	300k body         1.4 s    245 MB    126 MB    22-45 MB/s
//	300k + 4M hashes  5-6 s    740 MB    368 MB    (hashes cost the digest only)
//
// Against the targets (build <= 3 s, RSS <= 500 MB, >= 1 GB/s): not met at
// full size. What the profiles say: at 300k, 10% of generated patterns have
// no fixed run longer than 5 bytes, so one pass probes every byte
// (denseGroup, ~40% of scan time); the stride-8/16 bitmaps are 2-4 MB and
// miss cache on each probe, and ~5% of probes go on to a table lookup. The
// next steps are a blocked Bloom filter (several bits in one word: ~1%
// false hits at the same size), anchors that may span nibble wildcards
// (masked grams), and a memory limit (GOMEMLIMIT) for the daemon: about
// half of the 4M-hash peak is garbage not yet collected. Benchmarks:
// bench_test.go (BenchmarkBuild, BenchmarkScan, BenchmarkScanSmall).
package matcher
