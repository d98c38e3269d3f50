// Package filetype types content as ClamAV does, and carries the type, with
// where the content was found, from the scan engine to the matcher. It is
// the one place that types content: signature targets, logical-signature
// Container/Intermediates/HandlerType conditions and the scan engine's
// choice of what to open and normalise all follow from it.
//
// # Types
//
// [Type] is ClamAV's CL_TYPE_* enumeration, in ClamAV's order (which
// decides between type signatures that match the same content), named as
// ClamAV names it ([Type.String], [Parse]). [Type.Target] maps a type to
// the signature target whose signatures apply to it beside the generic
// ones: MSEXE 1, MSOLE2 2, HTML 3, MAIL 4, the graphics types 5, ELF 6,
// TEXT_ASCII 7 (matched on its normalised copy), Mach-O 9, PDF 10, SWF 11,
// JAVA 12, INTERNAL 13, OTHER 14.
//
// # Typing
//
// [Of] types a file or member as ClamAV's cli_determine_fmap_type does,
// from its first 1024 bytes ([Identify]): magic bytes at fixed offsets
// (ClamAV's built-in table, magic.go), else the text classes of
// ClamAV's text detection (text.go, with its quirks: every byte above 0x7f
// is "ASCII", and binary data without certain control sequences is
// "UTF-16BE"), an old tar header by its checksum, a zip whose members name
// an Office Open XML document as that document type, and type signatures
// that match inside the head of text or binary data (HTML tags, mail
// headers, a PE behind other bytes; find.go, pattern.go). Only the magic
// decides: content that starts with "MZ" is MSEXE and content that starts
// with "\x7fELF" is ELF however damaged its headers, as in ClamAV, so a
// target-1 or target-6 signature applies to it.
//
// [Found] is the second look ClamAV's raw scan takes: type signatures
// found anywhere in ASCII text make it HTML or mail for the rest of its
// handling.
//
// # The contract with the matcher
//
// The scan engine (package scan) hands each piece of content to the
// matcher with an [Info]: its Type, what Found saw, the types of the
// layers above it (Containers, outermost first), whether it is a
// normalised view of a layer (Normalized) and whether it is a HandlerType
// rescan (Rescan). The matcher (package matcher, Matcher.Match) applies
// targets, Container, Intermediates and HandlerType from it, and parses
// executable headers for executable types only. A container's unpacker
// (package unpack) gives a member's type when the member is content of a
// known type rather than a file (unpack.Member.Type: VBA macro modules
// are MSOLE2), and marks normalised views of the container itself
// (unpack.Member.Normalized: HTML normalised for target 3).
//
// # Where we differ
//
// The table is ClamAV 1.4's, the release Debian ships and our
// differential tests run against (difftest TestFileTypes compares our
// typing with clamscan's on our own samples and on real files). Not
// reproduced: the order in which ClamAV's Aho-Corasick matcher reports
// type signatures is approximated by their end offsets; type signatures
// across Found's 1 MiB windows are not seen; and embedded content that the
// type signatures locate (SFX archives, ISO images, PEs inside other
// files) is for the unpackers, not a type of the content.
//
// Files: type.go (the types, names, targets), info.go (Info), identify.go
// (Identify), reader.go (Of, Found), magic.go (the table), text.go (text
// classes), pattern.go and find.go (type signatures), extra.go (Extra:
// containers ClamAV's table does not type, for the unpackers).
package filetype
