// Package cvd reads, writes and verifies ClamAV's signature-database
// containers (CVD, CLD, CUD) and the signatures that protect them: the legacy
// RSA header signature, the RSA-PSS variant used by .info files and cdiffs,
// and detached CMS (.sign) files.
//
// A container is a 512-byte text header followed by a tar archive, gzip'd
// for CVDs and usually plain for CLDs. Read/Open parse both, check the header
// MD5 against the body and return the members in archive order; nothing is
// loaded into a signature engine here.
//
// Where we are lenient, and why:
//   - The tar end-of-archive zero block is optional: sigtool's own CVDs end
//     right after the last member, and ClamAV accepts that. A plain-tar body
//     cut at a member boundary is therefore only caught by the MD5 (CVD) or
//     by the .info check (CLD); see Info.CheckMembers.
//   - A header MD5 that is not 32 characters long ("X" in CLD/CUD headers)
//     means "no MD5", as in ClamAV.
//   - The .sign FLEVEL range is inclusive and an empty maximum is unbounded.
//
// Where we are stricter than ClamAV, and why:
//   - Header fields may not be empty (ClamAV's tokenizer would silently shift
//     the later fields), every header byte must be printable (freshclam's rule
//     for remote headers), and numbers are plain decimal.
//   - Tar header checksums are verified, members must have unique names, and
//     gzip trailers (CRC, length) must be present: a damaged or truncated body
//     is an error naming what was expected, never a short member.
//   - RSA signatures whose integer is not below the modulus are rejected, and
//     a decoded legacy/PSS message longer than its fixed size fails instead of
//     being truncated.
//   - CMS certificate chains are verified at the CMS signingTime (not the
//     wall clock), so a feed signed while its certificates were valid keeps
//     verifying after they expire; a signature without signingTime is
//     verified at the current time.
//
// Signatures are computed with math/big exactly as ClamAV's dsig.c does,
// not with crypto/rsa's PSS code: ClamAV's 2047-bit moduli make RFC 8017
// demand one more cleared top bit than ClamAV's verifier checks. The signers
// here (SignLegacy, SignPSS, SignDetached) exist for tests and for our own
// feeds; they produce output ClamAV's verifiers accept.
package cvd
