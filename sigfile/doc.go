// Package sigfile holds ClamAV's signature file formats: which file kinds
// exist, the typed values one line of such a file parses into (types.go),
// and the parser (ParseLine, with ParsePattern, ParseOffset and ParseExpr
// for the pieces).
//
// Formats follow ClamAV's signature documentation and, where the two
// differ, its loader (libclamav/readdb.c, matcher-ac.c): hash signatures
// (.hdb .hsb .mdb .msb, allow lists .fp .sfp), extended body signatures
// (.ndb), logical signatures (.ldb) and ignore lists (.ign .ign2). The
// parser is strict where a wrong reading would change a verdict: numbers
// are plain decimals that fit ClamAV's 32-bit fields (ClamAV's atoi would
// silently read "12x" as 12), and hex patterns must obey ClamAV's length
// rules, so that a database we accept is one ClamAV loads. Every problem
// is an error wrapping ErrSyntax and a sentinel naming the field; callers
// add the file and line.
//
// It is lenient where ClamAV is, or where nothing can depend on it:
//   - A line ClamAV skips (functionality level out of range, unknown
//     target, unknown logical-signature attribute or file type) parses
//     without error with Entry.Skip set, even if its pattern does not
//     parse: ClamAV never reads it, and old feeds carry such lines.
//   - .ign and .ign2 accept all three ignore-line forms, as ClamAV's single
//     loader for both does.
//   - Blank lines of spaces or tabs count as blank, and a trailing CR is
//     dropped, so CRLF files parse.
//   - Every {n} with 0 < n < 128 joins the parts around it for the length
//     rules (see check.go), as ClamAV documents; ClamAV itself stops doing
//     so after the first other {..} gap of a pattern.
//
// Nothing here matches data: the matcher package compiles these values.
package sigfile
