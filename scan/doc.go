// Package scan is the recursive file-scanning engine behind `sigtool scan`,
// the mail policy and the daemon. An [Engine] runs a [Detector] over a
// file's bytes and, when the file is an archive (recognised by magic, see
// package unpack), over each member, recursively, within the limits of
// [Options]. The outcome is a [Result] tree with clamscan-style paths
// ("outer.zip!dir/inner.exe").
//
// Nothing is silently clean: a member cut short by a limit is scanned as
// far as it was read and carries Limit and Err; an encrypted member is
// flagged Encrypted; a damaged archive keeps the members that could be
// read and records the damage in Err. [Result.Problem] finds the first such
// error in a tree, so a caller can apply a "when in doubt" rule.
//
// Mail is not parsed here: [Options.Expand] lets a caller (package
// mailscan, with package mailmime) split a message into parts, which the
// engine then scans like archive members.
package scan
