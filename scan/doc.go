// Package scan is the recursive file-scanning engine behind `sigtool scan`,
// the mail policy and the daemon. An [Engine] runs a [Detector] over a
// file's bytes and, when the file is an archive (recognised by magic, see
// package unpack), over each member, recursively, within the limits of
// [Options]. The outcome is a [Result] tree with clamscan-style paths
// ("outer.zip!dir/inner.exe").
//
// Each file and member is a layer, handled as ClamAV handles one
// (libclamav/scanners.c): typed by package filetype ([Result.Type]); its
// raw bytes matched with a filetype.Info that says its type and the types
// of the layers above it, so that the matcher applies the signatures of
// that type's target and logical signatures' Container and Intermediates;
// text (of any of ClamAV's text types) also matched in the normalised form
// target 7 is written for (textnorm.go), up to
// [Options.MaxScriptNormalize], unless it was found to be HTML (with a
// matcher.Matcher, through its ForNormalizedText view, built on first
// use: only the patterns that can match normalised text); raw HTML
// matched only when its unpacker gives no normalised views of it; and the
// content scanned again, one layer deeper, as the type a matching
// HandlerType signature names (the matcher's Result.Rescan). A member
// whose unpacker gave its type (unpack.Member.Type) is matched as that
// type and not opened further; a normalised view (unpack.Member.Normalized)
// is matched in its container's layer. A zip entry found inside other
// content (a document's stream, a self-extractor) is scanned as a member of
// that content, one zip layer below it, as ClamAV's raw scan extracts it
// (embedded.go).
//
// Nothing is silently clean: a member cut short by a limit is scanned as
// far as it was read and carries Limit and Err; an encrypted member is
// flagged Encrypted; a container or method we cannot open carries Err.
// [Result.Problem] finds the first such error in a tree, so a caller can
// apply a "when in doubt" rule. A damaged or truncated archive is judged
// as ClamAV judges it, on its bytes and the members that could be read:
// the damage is recorded in Damage, not Err.
//
// Mail is not parsed here: [Options.Expand] lets a caller (package
// mailscan, with package mailmime) split a message into parts, which the
// engine then scans like archive members.
package scan
