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
// # Design, and why not Aho-Corasick alone
//
// cloudflare/ahocorasick needs two 256-pointer arrays per trie node.
// BenchmarkAhoCorasick (random 16-byte patterns, clean data, same run):
//
//	patterns   engine     build    heap     scan
//	1k         AC         0.14 s    64 MB    71 MB/s
//	1k         matcher    0.002 s  1.2 MB  4091 MB/s
//	10k        AC         1.6 s    638 MB    23 MB/s
//	10k        matcher    0.04 s   3.2 MB  3268 MB/s
//
// It loses at every size, so it is not used, not even for a small
// dictionary; at 300,000 signatures it could not be built at all.
//
// Instead the filter probes 4-grams at a stride. A pattern is in tier S
// when one of its parts has, for every residue r mod S, a 4-gram at a fixed
// distance j ≡ r from the part start: whatever the alignment of a match,
// one probe every S bytes lands on one of those grams (anchor.go). Grams may
// span nibble masks, small sets, case-folded letters and "??": they are
// entered with each of their variants (at most 16 in the main tier), so
// "??" and nibble wildcards rarely push a pattern to a denser pass. Common
// bytes (00/FF/20/90/CC padding, line ends) weigh as many variants.
//
// Two tiers (filter.go): the main one, 4-grams at stride 4 (96% of
// generated signatures), and one that probes 3-grams at every byte for the
// rest (one gram each, up to 256 variants: any two adjacent fixed bytes
// with a neighbour qualify; its entries carry a 7-byte check window that
// may start up to 3 bytes before the gram, so its true hits, ~1400 per MB
// of random data, are all but rejected without touching the pattern). The
// main tier is one run of the probe kernel (kernel.go, kernel_amd64.s):
// AVX2 hashes eight grams at once and gathers their words of a blocked
// Bloom filter (three bits in a 32-bit word, 32 bits per entry before
// rounding, at most 4 MB: filter.go). The 3-gram tier is one run of the direct kernel
// (kernel_direct.go): scalar, no hash, a 512 KB bitmap indexed by 22 bits
// of the gram. Passing probes look the gram up, in batches, in an exact
// table (a directory by key bits; entries placed by a counting sort, no
// sorted copy). Patterns with no usable 3-gram but a 2-3 byte literal
// use a 2-gram table (none of 300k generated ones need it); patterns with
// no two fixed bytes (only possible from hand-built ASTs; ClamAV rejects
// them) are tried at every allowed position; executable offsets (EP, Sx,
// SL) are checked only at the positions they allow. Candidates are
// verified by a backtracking matcher (verify.go) that reads through a view
// of the current chunk and, beyond it, the io.ReaderAt: a pattern may span
// chunk borders or a "*" of any length while Detect reads the file once,
// in order, in 1 MiB chunks; content already in memory (a reader with a
// Bytes method, such as unpack.Bytes) is probed in place, not copied
// (BenchmarkScan: inplace and readat). Unbounded gaps cache monotone facts per scan,
// so many candidates of one pattern cost one walk of the file, not one
// each.
//
// Decisions, with what was measured (300k generated patterns, random data):
//   - Coverage by residues with expanded grams, instead of one run of k+3
//     fixed bytes: patterns needing the every-byte pass fell from ~10%
//     (runs of 4-6 bytes) to 3.8% at stride 4.
//   - One main stride instead of groups 32/16/8/4: each group was a pass
//     of its own; stride 8 needs twice the entries and still leaves 17% of
//     the patterns to a finer pass.
//   - The vector kernel (BenchmarkKernel, random filters, one core): at
//     stride 4, 7.3 GB/s with a 32 KB filter and 3.7 GB/s at 8 MB, against
//     1.5 and 1.0 GB/s for the same loop in Go; at stride 1, 1.8 and 0.96
//     GB/s. The Go loop was bound by the hashing arithmetic, not by cache
//     misses; the vector loop is bound by the gather (an AVX-512 version,
//     16 lanes, measured the same and was dropped). Other CPUs and
//     "-tags purego" use the Go loop; tests run the matcher on both.
//   - Lookups of passing probes miss cache (the tables are ~20 MB at
//     300k), so the filter is sized for few false passes (32 bits an
//     entry), but capped at 4 MB: at 300k that lets ~0.5% of probes pass
//     instead of ~0.1% at 8 MB, and yet whole scans in one process,
//     alternating, took 65-79 ms against 72-110 (session 4; in session 3
//     the main tier alone was faster at 8 MB, see below).
//   - 3-grams at stride 1 for the 4% of short parts, rather than finer
//     4-gram tiers (3, 2, then 1 for what is left: every non-empty tier is
//     a kernel run, 190-250 MB/s overall) or 3-grams at stride 2 (a gram
//     with a "??" then needs 256 variants, which hit random data like a
//     2-gram: 344 MB/s). Grams may reach up to three bytes past either
//     edge of a part (as "??"), which finer tiers would need; at the end of
//     a file the last positions are probed with zero padding.
//   - The 3-gram tier with the direct kernel instead of the Bloom one:
//     alone 1.40 -> 1.55 GB/s (the gather is microcoded on AMD; the
//     bitmap is in L2). Rejected: the exact 24-bit bitmap (2 MB, out of
//     L2: 1.4 GB/s for the kernel alone), 20/21/23 bits (more lookups or
//     L2 misses; 21 and 23 86 ms a scan against 77), an exact 2 MB
//     bitmap checked before the lookup (slower), the bitmap on a huge
//     page (+0-6%, noise), an L1 bitmap of 18 bits whose passes (8%) are
//     compacted for a second pass (2.0 GB/s for the first alone), the
//     same L1 bitmap with the first three passes of each 16 positions
//     tested in the 512 KB one inside the loop (tier alone 1.0-1.3 GB/s
//     against 1.56-1.68), and one loop doing both tiers (860 MB/s against
//     1.1 GB/s for the two loops: the 8 MB filter evicts the bitmap).
//   - The direct kernel is bound by its L2 access per position, not by
//     its instructions (64 MiB, a bitmap of the same fill, one process,
//     experiments not kept): 64-bit words indexed by the data bytes
//     themselves (no BEXTR; SHRX and OR instead of BT and ADC) ran the
//     same (30.1 and 31.8 ms against 30.8); 16 grams lined up by VPERMB
//     and one AVX-512 gather was slower (64 against 53 ms); the 512 KB
//     bitmap at even positions and a 32 KB one at every position (what a
//     stride-2 3-gram tier beside an every-byte one would run: of the
//     11.5k patterns of this tier 7.8k have 3-grams for every residue
//     mod 4, 2.9k more mod 2, 880 only at every byte) was slower than
//     the one bitmap at every position (50 against 36 ms).
//   - What bounds the two kernels is their cache misses, not their
//     instructions (session 5, one process, alternating, experiments not
//     kept): the direct kernel with four ADC chains instead of one ran
//     the same (28.7-30.9 against 27.5-28.5 ms with an empty 512 KB
//     bitmap, 18-19 ms both with a 32 KB one); one loop doing both tiers
//     with scalar loads instead of the gather took 53-57 ms against 17 +
//     30 apart, 37 with the main filter shrunk into L1, 50 with it in L2;
//     scalar loads instead of the gather in the main kernel alone were
//     slower (26-41 against 18-25 ms); an L1 first bitmap (18 bits, 4.7%
//     of positions pass) with the 512 KB one tested inline for its passes,
//     64 positions a block so that the block branch is predictable: 34.8
//     against 30.8 ms; four or five bits per key in the main filter
//     (0.30 and 0.25% false passes against 0.44) changed whole scans by
//     less than the noise (58.4-63.2 and 58.5-66.1 ms against 59.6-61.6);
//     neither did a directory of half as many buckets, each with a 32-bit
//     mask of its keys so that most false passes skip the keys (minimum
//     58.6-60.1 ms against 58.8-60.1), nor the tiers' tables on huge pages
//     (58.5 against 58.7, 56.7 against 56.0 with 4M hashes). Chunks of 64
//     or 256 KiB (so that a chunk stays in L2 between the two passes)
//     were slower: 74 and 71 ms against 64.5 at 1 MiB, 4 MiB the same.
//   - Emptying the every-byte tier (session 5): 4-grams of up to 256
//     variants in the main tier, then 3-grams of up to 256 variants at
//     stride 2, leave it nothing (288,483 / 10,637 stride 2 / 717 / 163
//     stride 2 of the 300k), but the 717 patterns add 700k entries to the
//     main filter (2.0M: 22 -> 30 ms alone) and the 163 make the stride-2
//     tier 82k entries (38 ms alone, slower than the every-byte tier):
//     whole scans 76-87 ms against 61-72.
//   - Check windows of the 3-gram tier from up to 3 bytes before the
//     gram: its grams are often the last bytes of a short part, so a
//     window from the gram on fixed ~20 bits; candidates from the tier
//     77 -> 0.05 per MB, 3.2 us of verification each.
//   - Check windows in the main tier too (16 bytes per entry, 21 MB at
//     300k): its ~80 true 4-gram hits per MB no longer reach
//     verification; 756 -> 821 MB/s, medians of five alternating runs of
//     each build (the machine was noisy: 596-968 and 773-879).
//   - Lookups in batches of 256 in stages (directories, keys, then
//     windows and hits), so that their cache misses overlap: main tier
//     alone 2.0 -> 3.0-3.7 GB/s, 3-gram tier 1.55 -> 1.75 GB/s. With them
//     the 8 MB filter was still the best size for the main tier alone (4
//     MB: 2.5 GB/s), though not for whole scans (above).
//     Batches of 64 and 1024 measured the same.
//   - No PSHUFB nibble tables (Teddy) for the 3-gram tier: 22k grams
//     fill any small set of nibble masks.
//   - Not kept either: a 4-gram tier at stride 2 before the 3-gram one
//     (covers 9.4k of the 11.5k patterns; the rest still need the whole
//     every-byte pass: 193 ms a scan against 118).
//   - Builds in parallel: filter tiers and each hash set; Combine walks
//     the patterns in runs of 4096 on every CPU, computing each anchor
//     part's classes only as far as its last gram's check window (300k
//     in 50 segments, old and new code alternating in one process:
//     656-739 -> 290-292 ms, identical tables; engine BenchmarkCompile
//     at 300k + 4M: 2.65-3.17 -> 2.31-2.61 s).
//   - Building without per-byte or per-line waste (session 6): the byte
//     set of a mask is computed, not found by a walk over 256 values
//     (maskSet); gram weights read a per-part summary of each class
//     (classInfo) instead of decoding it once per gram and tier; hash
//     lines are parsed into blocks that the engine's batches reuse
//     (sigfile.Parser: 4M allocations fewer per compile). CPU per compile
//     4.3 -> 3.3 s, BenchmarkCompile 2.31-2.98 -> 1.85-2.13 s (runs of it
//     right after the change; 2.22-2.34 in the make bench run that
//     followed, at a busier hour), identical tables (SHA-256 of every
//     tier's arrays at 300k, before and after).
//
// Hashes live in sorted, pointer-free blocks per digest type (digest, size,
// name index; a directory by the leading bits, ~4 entries a bucket): the
// blocks the Builder filled, permuted in place, so 4M hashes are never
// copied. Names
// are front-coded in groups of 16 (a shared-prefix length and the rest:
// ~5 bytes per generated hash name instead of ~30), decoded only to report
// or to check ignore lists. Only the digest types the database uses are
// computed, in the same pass as matching (sha256-simd for SHA-256).
//
// # Segments
//
// A Builder builds a Segment: the programs, names, hash sets and anchor
// grams of its signatures. Combine builds the filter tiers over the
// patterns of any number of segments (references carry a global pattern
// index; a candidate's segment is found by binary search) and Matchers
// share the segments. A daemon keeps a segment per group of stored lines
// and, after an update, builds only the changed groups and the filter
// (package engine), so a reload costs what changed plus the filter, not a
// second database. A scan keeps verification state per segment that had a
// candidate, and computes a digest only when a size filter over all
// segments allows that some hash has the file's size, then looks it up in
// every segment: BenchmarkScanSegments (100k + 1M) scans 16 KiB files in
// 26 segments as fast as in two, one for the body signatures and one for
// the hashes (13.6 and 13.8 us a file; before the size filter, 13.3
// against 11.9).
//
// # Measured (2 shared cores, so +-30% between runs)
//
// Generated signatures (gen.go: 1-3 parts of 6-40 elements, ~12% of them
// wildcards or alternatives, 5% with an absolute or EOF offset); scan is
// 64 MiB of random data, nothing matches (BenchmarkScan, one core):
//
//	signatures        scalar filter   vector kernel   + direct 3-gram kernel,
//	                  (before)        two tiers       batched lookups, windows
//	10k body          170-348 MB/s    1220 MB/s       1510-1530 MB/s
//	100k body          68-253 MB/s     880 MB/s       1210-1240 MB/s
//	300k body          84-226 MB/s     610 MB/s        850-920 MB/s
//	300k + 4M hashes      159 MB/s     530 MB/s        890-920 MB/s
//
// The last column against the one before, as binaries of both commits
// alternated in one session, three rounds, medians (ranges): 10k 1198
// (1142-1254) -> 1508 (1398-1516) MB/s, 100k 890 (880-891) -> 1236
// (1170-1239), 300k 661 (607-695) -> 882 (824-914); an earlier, busier
// session: 300k 480 (470-522) -> 783 (580-892). BenchmarkScanSmall
// (100k, 16 KB files) unchanged: 1427 -> 1476 MB/s.
//
// Content in memory probed in place, and the direct kernel appending its
// passing positions to the lookup batch (no return per passing block; a
// passing block was one in 17): in one process, alternating, a scan at
// 300k took 69.5-72.7 ms in place against 72.1-75.7 copied. A day when
// the machine ran ~20% slower (clamscan too: 1.7 MB/s against 2.2), in
// one run of BenchmarkScan, in place / through io.ReaderAt: 10k
// 1335-1547 / 1211-1471 MB/s, 100k 1114-1391 / 966-1038, 300k 804-824 /
// 787-845, 300k + 4M 727-775 / 699-726; the old and new binaries
// alternated five times at 300k, copying: medians 553 -> 763 MB/s
// (383-803 against 610-921).
//
// BenchmarkTiers at 300k: the main tier alone 3.0-3.7 GB/s (1.3M entries,
// the 8 MB filter of then; 2.0-2.2 before batched lookups), the every-byte 3-gram tier
// 1.7-1.85 GB/s (22k entries for 11.5k patterns; 1.4 with the Bloom
// kernel). In a scan of 64 MiB (~75 ms in the profile, a quiet hour):
// the two kernels 23 and 32 ms, lookups 12.5, copying chunks 6 (now gone
// for content in memory); verification no longer shows (check windows).
//
// Session 5, BenchmarkScan (means of 20 scans, over several hours): 300k
// 953-1140 MB/s in place, 825-1051 through io.ReaderAt; 300k + 4M
// 841-1049 and 817-924 (files on disk are now mapped, package scan).
//
// Against the targets: >= 1 GB/s per core is met up to 100k generated
// signatures; at 300k generated ones the scan is at 0.84-1.15 GB/s as the
// shared machine is busy or quiet, ~80% of it the two kernels (the rest
// lookups of passing probes): the main tier's gathers into its 4 MB
// filter and the every-byte pass for the 4% of short parts, bound by one
// L2 access per byte (its bitmap is 512 KB; one that fits L1 passes too
// many positions). That pass stays as long as some patterns need it:
// 880 of the generated ones (short single parts such as 0213??eb58ac)
// have no usable gram at any stride above 1, and a stride-2 tier beside
// an every-byte one for them measured slower (above). Benchmarks: bench_test.go (BenchmarkBuild,
// BenchmarkScan, BenchmarkScanSmall, BenchmarkTiers), kernel_test.go
// (BenchmarkKernel), kernel_direct_test.go (BenchmarkDirect,
// BenchmarkDirectAB), ac_bench_test.go.
package matcher
