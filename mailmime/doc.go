// Package mailmime walks MIME mail for a virus-scanning mail gateway.
//
// Parse builds the part tree of one RFC 5322 message held in memory and
// records byte offsets for every part (header, body, preamble, epilogue),
// so that a rewriter can replace one part and keep every other byte, and a
// scanner can decode each leaf (Decode, Uuencoded, YEnc). SplitMbox
// and ReadMaildir find the messages in mailboxes; IsEncrypted, IsSigned and
// IsAttachment answer the gateway policy's questions about a part.
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
//     whose reading works is used and the other is parsed too, as an
//     Alternate, so a scanner walks the union of both readings.
//   - A message/rfc822 sent base64 or quoted-printable is decoded and
//     parsed as an Alternate.
//   - Base64 skips junk and survives missing or early padding;
//     quoted-printable keeps bad escapes; unknown transfer encodings give
//     the raw bytes.
//
// Nesting is capped at MaxDepth and the part count at MaxParts; Parse then
// still returns the whole tree but also ErrTooDeep or ErrTooManyParts,
// which a gateway should read as "could not look everywhere". All work is
// linear in the message size times the nesting depth; nothing trusts a
// declared size or count.
package mailmime
