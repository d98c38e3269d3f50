// Package cdiff reads, verifies, applies and builds ClamAV's incremental
// database updates. A cdiff file is "ClamAV-Diff:<version>:<length>:", a
// gzip'd edit script, ":" and an RSA-PSS signature (see cvd.VerifyPSS).
// Apply runs the script against the unpacked files of the previous version.
//
// Apply never changes its input: it returns a new map, so a failed update
// leaves the caller's database as it was (ClamAV edits files in place and
// can leave a MOVE half done).
//
// Lenient, as ClamAV is: the declared script length is informational only
// (the gzip CRC protects the script), bytes after the gzip member are
// ignored, and ADD appends to a file whose last line lacks a newline
// exactly as written.
//
// Stricter than ClamAV, deliberately:
//   - a script that ends with a database still open is an error (ClamAV
//     silently drops the pending edits);
//   - two DEL/XCHG edits of one line are an error (ClamAV keeps the last);
//   - database names must be ASCII letters, digits, '.' or '_' (ClamAV
//     accepts any Unicode letter);
//   - line numbers must be at least 1, and MOVE needs n1 <= n2 (ClamAV cannot
//     move a single line, n1 == n2, which we allow);
//   - decompressed scripts are bounded by MaxScriptSize.
package cdiff
