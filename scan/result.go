package scan

import (
	"iter"

	"github.com/sigtool/sigtool/filetype"
	"github.com/sigtool/sigtool/unpack"
)

// Result is what a scan found in one file or member, with its members.
type Result struct {
	// Name is the member's name as stored in its container; "" at the top.
	Name string
	// Path is the clamscan-style path: the top file's name, then each
	// enclosing member joined with "!", e.g. "mail.eml!a.zip!x.exe".
	Path string
	// Size is the number of bytes scanned (after any limit cut).
	Size int64
	// Signatures are the detector's matches for this file's own bytes.
	Signatures []string
	// Type is the content's file type, as ClamAV types it (package
	// filetype) or as its container gave it.
	Type filetype.Type
	// Format is the container format, Unknown for a plain file.
	Format unpack.Format
	// Encrypted is set for an encrypted member, or an archive with any
	// encrypted member (or encrypted headers).
	Encrypted bool
	// MemberCount is the number of entries the archive lists itself.
	MemberCount int
	// Limit names the limit that was exceeded here ("MaxFileSize", ...).
	Limit string
	// Err is what went wrong here: a *unpack.LimitError, an unsupported
	// method or container, or a detector failure. Encryption alone is not
	// an error, nor is damage.
	Err error
	// Damage says this archive or member is damaged or truncated
	// (unpack.ErrCorrupt). Its bytes were matched as they are and what
	// could be read of it was scanned; as in ClamAV, which passes an
	// archive it cannot open, that is a fact about the file, not a failed
	// scan (real clean mail carries cut attachments), so Problem leaves
	// it out. A caller may still refuse damaged files (the mail policy's
	// damaged_unscannable).
	Damage error
	// Members are this archive's members in archive order.
	Members []*Result
}

// Finding is one signature match and where it was found.
type Finding struct {
	Path      string
	Signature string
}

// All yields r and every result below it, depth first, parents first.
func (r *Result) All() iter.Seq[*Result] {
	return func(yield func(*Result) bool) { r.walk(yield) }
}

func (r *Result) walk(yield func(*Result) bool) bool {
	if !yield(r) {
		return false
	}
	for _, m := range r.Members {
		if !m.walk(yield) {
			return false
		}
	}
	return true
}

// Infected reports whether any signature matched anywhere in the tree.
func (r *Result) Infected() bool {
	for n := range r.All() {
		if len(n.Signatures) > 0 {
			return true
		}
	}
	return false
}

// Findings lists every match in walk order.
func (r *Result) Findings() []Finding {
	var out []Finding
	for n := range r.All() {
		for _, s := range n.Signatures {
			out = append(out, Finding{Path: n.Path, Signature: s})
		}
	}
	return out
}

// Problem returns the first error in walk order, or nil when everything
// was scanned completely.
func (r *Result) Problem() error {
	for n := range r.All() {
		if n.Err != nil {
			return n.Err
		}
	}
	return nil
}

// AnyEncrypted reports whether anything in the tree is encrypted.
func (r *Result) AnyEncrypted() bool {
	for n := range r.All() {
		if n.Encrypted {
			return true
		}
	}
	return false
}
