// Package mailmime walks MIME mail for a virus-scanning mail gateway.
//
// Parse builds the part tree of one RFC 5322 message held in memory and
// records byte offsets for every part (header, body, preamble, epilogue),
// so that a rewriter can replace one part and keep every other byte, and a
// scanner can decode each leaf (Decode, Uuencoded, YEnc, BinHex). SplitMbox
// and ReadMaildir find the messages in mailboxes; IsEncrypted, IsSigned and
// IsAttachment answer the gateway policy's questions about a part.
//
// Where a message is ambiguous, clients differ, and an attacker picks the
// reading the scanner did not. So a part has, besides the reading Parse
// chooses, an Alternate for every other reading a common client or parser
// could take (see alternates.go): the header read leniently (comments and
// blanks in field names, names folded over lines), every Content-Type,
// Content-Transfer-Encoding and Content-Disposition field, every boundary
// candidate (repeated, RFC 2231, cut at a blank, ';' or quote, taken from
// Content-Disposition), strict and loose delimiters, parts after an early
// close delimiter, base64 under a 7bit label and raw bytes under a false
// base64 one. Contents is the one walk of all of them: every leaf of
// every reading and every uuencode, yEnc and BinHex block in a text body,
// each offered once. The file scanner (package scan) and the mail policy
// (package mailscan) both use it, so what one finds the other finds.
//
// The package never rejects a message: real mail is broken in many ways
// and being broken does not make it malicious. Where it departs from the
// RFCs, it does so to see at least what a mail client would see:
//
//   - Lines may end in LF, CRLF or a bare CR, mixed within one message.
//   - The header ends at an empty line or at the first line that cannot be
//     a field (no blank separator); a line starting with a blank is a
//     continuation even at the top; "From " envelope lines are kept as
//     nameless fields. Header bytes are kept as sent (8-bit, NUL).
//   - Content-Type and -Disposition parameters are read leniently:
//     comments, odd case, unterminated quotes, RFC 2231 continuations and
//     charsets, and RFC 2047 encoded words inside quoted values.
//   - A boundary is tried as written, trimmed, without a trailing comment
//     and with escapes kept; delimiter lines must match exactly unless no
//     reading matches, when leading blanks and trailing junk are allowed.
//     A missing close delimiter lets the last part run to the end.
//   - With two disagreeing Content-Type fields, the first well-formed one
//     whose reading works is the primary reading; the others are
//     Alternates.
//   - A message/rfc822 sent base64 or quoted-printable is decoded and
//     parsed as an Alternate.
//   - Base64 skips junk and survives missing or early padding;
//     quoted-printable keeps bad escapes; unknown transfer encodings give
//     the raw bytes.
//
// Nesting is capped at MaxDepth and the part count at MaxParts (Limits;
// ParseWith takes a scanner's own), the readings at 16 a part and 2,000
// a message; Parse then still returns the whole tree but also ErrTooDeep
// or ErrTooManyParts, which a gateway should read as "could not look
// everywhere". Nothing trusts a declared size or count.
//
// Files: parse.go (Parse, the primary reading), alternates.go (the other
// readings), header.go (strict and lenient header fields), params.go
// (media type parameters), multipart.go (boundaries and delimiters),
// part.go (Part, Walk), contents.go (Contents), decode.go, base64.go,
// qp.go, uuencode.go (embedded uuencode, yEnc and BinHex blocks),
// charset.go, encword.go, crypto.go, mbox.go, maildir.go, sniff.go
// (LooksLikeMessage), errors.go (Limits and errors).
package mailmime
