// Package mailscan applies a mail gateway's virus policy to one message at
// a time: it decides whether to deliver the message unchanged, rewrite it
// (infected archive members cleaned out, infected or forbidden attachments
// replaced by a notice and kept in a quarantine, a warning banner added),
// or delete it, and it does the rewrite.
//
// A Scanner holds a scan.Engine, a Policy and a quarantine.Store and is
// safe for concurrent use. Process is the whole entry point: the message
// bytes and their Envelope in, an Outcome (action, findings, the message
// to deliver) out. Reading mailboxes, writing files and exit statuses are
// the command's (cmd/sigtool); the package holds no flags.
//
// Promises, in order of importance:
//
//   - Nothing is lost and nothing is falsely acknowledged. Whatever cannot
//     be fully handled (a parse limit in package mailmime, a failed scan,
//     a failed quarantine write, a bug) gives the action "error"
//     with the ORIGINAL message. Anything removed from a message, and any
//     deleted message, is in the quarantine before the new message exists;
//     without a quarantine such messages are errors.
//   - A message delivered unchanged is the very same bytes.
//   - What any reading yields is scanned. The rules apply to everything
//     mailmime.Contents offers: every leaf of every reading of the message
//     (a second Content-Type, a header-name comment, a repeated boundary,
//     a base64 message/rfc822...) and every uuencode, yEnc or BinHex block
//     in a text body. TNEF (winmail.dat) and BinHex are opened by the scan
//     engine like any archive.
//   - As little as possible goes (place.go). A block in a text body is cut
//     out of it and a notice line put in its place, the sender's text
//     around it kept (a quoted-printable or base64 body is encoded again
//     after the cut). An entity only another reading sees is cut where it
//     lies, inside the text or preamble the parsed reading makes of it.
//     Anything else takes the smallest part of the parsed message that
//     holds it, replaced by a notice (or, for an archive whose infected
//     members can be dropped, by the rebuilt archive: zip, tar, .tar.gz,
//     .tgz, .tar.bz2, .tar.xz, in their own compression).
//   - The rewrite is checked before it is trusted: it is parsed and
//     inspected again in all its readings, and while anything is left the
//     cuts widen to whole parts, then to the whole content (settle).
//   - A rewritten message keeps every part it does not act on byte for
//     byte: new bytes are spliced in at the parts' offsets. The banner is
//     written into the first text body in that body's own charset and
//     transfer encoding, in front of its unchanged bytes (for base64 the
//     banner is padded to a multiple of three bytes so the encoded text
//     can simply be prepended); into HTML as a <pre> block after the
//     <body> tag; and into every version of a multipart/alternative, as
//     a reader shows only one. When that cannot be done faithfully (a
//     UTF-16 body, a 7bit body and a non-ASCII file name, no text body)
//     the banner becomes a new first text/plain part; a message that is
//     not multipart/mixed is then wrapped in one, its own fields (From,
//     Subject...) staying on top and its Content-* fields moving down with
//     its content. An mbox Content-Length field is dropped from a rewritten
//     message, because it would be wrong. A rewrite under multipart/signed
//     breaks the signature; that cannot be helped and is not checked.
//
// Where the package is lenient, and why:
//
//   - Structural defects (missing boundaries, junk base64) are not errors:
//     real clean mail has them. Only mailmime's limits are.
//   - An archive signature match is allowed to come from a member stored
//     uncompressed (its bytes show in the archive's own): the archive is
//     then still cleanable, and the rebuilt archive is scanned again before
//     it is trusted.
//
// What could not be scanned never passes as clean. A container or method
// package unpack cannot open, or a scan limit makes the attachment
// "unscannable", named Policy.Unscannable.KIND (OverLimit,
// UnknownContainer, UnsupportedMethod); Policy.Unscannable says what
// follows: removed like an encrypted attachment (the default), delivered
// unchanged with "X-Virus-Status: Unscannable (NAME)" (action Flag), or
// the message left unhandled (an error, so the MTA retries). A damaged or
// truncated archive is judged, as ClamAV judges it, on its bytes and the
// members that could be read: real clean mail carries cut archives, which
// no reader can open further, and a gateway must not hold or cut such
// mail. Policy.DamagedUnscannable makes it unscannable too (KIND Corrupt).
//
// Header fields (header.go): every message scanned and delivered gets
// X-Virus-Scanned (this build, the feed versions, the gateway) and
// X-Virus-Status (Clean, Infected, Removed or Unscannable, with the
// names), named and switched off by the policy's [headers]. They are not
// written into Outcome.Message: Outcome.Header lists them, and every
// delivery (the pipe filter, mailscan --out, the daemon's MAILSCAN and
// POST /v1/mailscan, the milter) stamps them in, replacing the sender's
// fields of those names, through Outcome.Delivery and AddFields.
//
// Files: scanner.go (Process, settle), inspect.go (the rules on each
// content), place.go (where a finding is cut), rewrite.go, banner.go,
// parts.go and encode.go (writing MIME), engine.go (the scan verdict),
// header.go, policy.go, scope.go, target.go, outcome.go, verdict.go,
// errors.go.
package mailscan
