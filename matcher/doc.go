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
// cloudflare/ahocorasick needs two 256-pointer arrays per trie node.
// BenchmarkAhoCorasick (random 16-byte patterns, clean data, same run):
//
//	patterns   engine     build    heap     scan
//	1k         AC         0.25 s    64 MB    60 MB/s
//	1k         matcher    0.004 s  1.2 MB  1160 MB/s
//	10k        AC         2.9 s    638 MB    17 MB/s
//	10k        matcher    0.03 s   3.1 MB   945 MB/s
//
// It loses at every size, so it is not used, not even for a small
// dictionary; at 300,000 signatures it could not be built at all.
//
// Instead the filter probes 4-grams at a stride. A pattern is in tier S
// when one of its parts has, for every residue r mod S, a 4-gram at a fixed
// distance j ≡ r from the part start: whatever the alignment of a match,
// one probe every S bytes lands on one of those grams (anchor.go). Grams may
// span nibble masks, small sets, case-folded letters and "??": they are
// entered with each of their variants (at most 16 in the sparse tier), so
// "??" and nibble wildcards rarely push a pattern to a denser pass. Common
// bytes (00/FF/20/90/CC padding, line ends) weigh as many variants.
//
// Two tiers (filter.go): the sparse one, stride 4, and a dense one that
// probes 3-grams at every byte, for the rest (one gram each, up to 256
// variants: any two adjacent fixed bytes with a neighbour qualify). A
// probe hashes the gram once and tests bits inside one 64-bit word of a
// blocked Bloom filter: three bits at 16 bits per entry in the sparse tier
// (0.3% of probes pass, measured), one bit at 32 in the dense one (~2%,
// small enough for L2). Passing probes look the gram up in an exact table
// (a directory by key bits; entries placed by a counting sort, no sorted
// copy). Patterns with no usable 3-gram but a 2-3 byte literal use a 2-gram
// table (none of 300k generated ones need it); patterns with no two fixed
// bytes (only possible from hand-built ASTs; ClamAV rejects them) are
// tried at every allowed position; executable offsets (EP, Sx, SL) are
// checked only at the positions they allow. Candidates are verified by a
// backtracking matcher (verify.go) that reads through a view of the current
// chunk and, beyond it, the io.ReaderAt: a pattern may span chunk borders or
// a "*" of any length while Detect reads the file once, in order, in 1 MiB
// chunks. Unbounded gaps cache monotone facts per scan, so many candidates
// of one pattern cost one walk of the file, not one each.
//
// Decisions, with what was measured (300k generated patterns, random data):
//   - Coverage by residues with expanded grams, instead of one run of k+3
//     fixed bytes: patterns needing the every-byte pass fell from ~10%
//     (runs of 4-6 bytes) to 3.8% at stride 4 (11.5k; 22.6k dense entries).
//   - One sparse stride instead of groups 32/16/8/4: each group was a pass
//     of its own (0.47 probes per byte for the four); stride 4 alone is
//     0.25 with fewer entries (1.33M: 4 per pattern, not up to 32). Stride 8
//     would cover 83% of patterns but needs 2.75M entries (4-8 MB of
//     filter): 48-100 MB/s against 102-168 MB/s for stride 4, same run.
//   - Probe cost on this machine (2 shared vCPUs) is set by where the
//     filter lives: ~1.2 ns per probe in L1, 3 ns in L2, 6-13 ns at 2-4 MB,
//     ~20 ns at 8 MB; huge pages (madvise) did not change it. A pass that
//     probes every byte therefore costs >= 1.2 ns/byte on its own: the
//     dense tier, not the sparse one, is what keeps 300k under 1 GB/s.
//   - Four independent probes per loop round with one branch for "none
//     passed" (the dense tier: one 8-byte load for four 3-grams).
//   - Builds in parallel: filter tiers and each hash set.
//
// Hashes live in sorted, pointer-free blocks per digest type (digest, size,
// name index; a 256 KiB directory by the first two bytes): the blocks the
// Builder filled, permuted in place, so 4M hashes are never copied. Names
// are front-coded in groups of 16 (a shared-prefix length and the rest:
// ~5 bytes per generated hash name instead of ~30), decoded only to report
// or to check ignore lists. Only the digest types the database uses are
// computed, in the same pass as matching (sha256-simd for SHA-256).
//
// # Measured (2 shared cores, load average 3-6 during the runs, so +-50%)
//
// Generated signatures (gen.go: 1-3 parts of 6-40 elements, ~12% of them
// wildcards or alternatives, 5% with an absolute or EOF offset); build
// excludes generation; scan is 64 MiB of random data, nothing matches.
// Before -> after, same session, runs alternated (ranges over 3-5 runs):
//
//	signatures        build       peak RSS         retained      scan (one core)
//	10k body          0.05-0.13 s  21 -> 20 MB       5 -> 4 MB     144-215 -> 170-348 MB/s
//	100k body         0.5-1.8 s   111 -> 104 MB     46 -> 35 MB     61-127 -> 68-253 MB/s
//	300k body         1.1-3.6 s   260 -> 280 MB    130 -> 106 MB    38-85 -> 84-190 MB/s
//	300k + 4M hashes  1.9-6.8 s   745 -> 476-550 MB  373 -> 243 MB  56 -> 37 MB/s (1 run each)
//	16 KiB files, 100k body (BenchmarkScanSmall): 79 -> 89 MB/s
//
// Build times are old and new alike within that range: the benchmark
// subtracts a separately timed generation, so under load they swing by
// seconds (CPU profile at 300k: Add 2.3 s of which anchor choice 0.5 s,
// filter build 0.4 s, run beside the hash sets).
//
// Against the targets: peak RSS <= 500 MB at 300k + 4M hashes is met in
// one run of five (it is about twice the retained heap: the garbage
// collector's goal while the caller's parsed entries die); build <= 3 s in
// about half the runs. >= 1 GB/s per core is met for dictionaries that
// need no every-byte pass (1-10k fixed 16-byte patterns: 0.95-1.2 GB/s),
// not at 300k generated signatures, where 3.8% need the dense pass. With
// hashes loaded the scan also computes MD5, SHA-1 and SHA-256 of all the
// data, which dominates that row whatever the filter does. Next steps:
// gapped dense grams built from both sides of a "??" (so that the dense
// tier shrinks to the few patterns with no 4 known bytes), a
// non-power-of-two filter size, and compact pattern records (80 bytes
// each, half of it the parsed offset). Benchmarks: bench_test.go
// (BenchmarkBuild, BenchmarkScan, BenchmarkScanSmall), ac_bench_test.go.
package matcher
