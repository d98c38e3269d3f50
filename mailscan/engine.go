package mailscan

import (
	"context"
	"errors"

	"github.com/sigtool/sigtool/quarantine"
	"github.com/sigtool/sigtool/scan"
	"github.com/sigtool/sigtool/unpack"
)

// NewScanner returns a Scanner applying p with engine e, keeping removed
// originals in q. With a nil q, any message that would need something
// removed or deleted is an Error instead (nothing may be dropped without
// being kept). p should have passed Validate.
func NewScanner(e *scan.Engine, p Policy, q *quarantine.Store) *Scanner {
	return &Scanner{policy: p, store: q, scan: engineFunc(e), limits: scan.MailLimits(e.Options().Limits)}
}

func engineFunc(e *scan.Engine) scanFunc {
	return func(ctx context.Context, name string, data []byte) (fileVerdict, error) {
		r, err := e.Scan(ctx, name, unpack.Bytes(data), int64(len(data)))
		if err != nil {
			return fileVerdict{}, err
		}
		return verdictOf(r), nil
	}
}

// verdictOf reduces a scan.Result tree to what the policy asks about.
func verdictOf(r *scan.Result) fileVerdict {
	v := fileVerdict{
		Self:        selfOnly(r),
		Format:      r.Format,
		Encrypted:   r.AnyEncrypted(),
		MemberCount: r.MemberCount,
	}
	// One name per infected file or member, as clamd reports one: a file
	// that three signatures match gets one banner, not three.
	for n := range r.All() {
		if len(n.Signatures) > 0 {
			v.Signatures = appendNew(v.Signatures, n.Signatures[0])
		}
	}
	members := r.Members
	if len(members) == 1 && members[0].Format == unpack.Tar && (r.Format == unpack.Gzip || r.Format == unpack.Bzip2 || r.Format == unpack.Xz) {
		// A compressed tar: Rebuild drops the tar's members.
		members = members[0].Members
	}
	for _, m := range members {
		v.Members = append(v.Members, memberVerdict{Name: m.Name, Infected: m.Infected()})
	}
	for n := range r.All() {
		if n.Damage != nil {
			v.Damaged = append(v.Damaged, unscannable{why: UnscannableCorrupt, path: n.Path, err: n.Damage})
		}
		if n.Err == nil {
			continue
		}
		if why := unscannableKind(n.Err); why != "" {
			v.Unscannable = append(v.Unscannable, unscannable{why: why, path: n.Path, err: n.Err})
		} else if v.Problem == nil {
			v.Problem = n.Err // a detector failure: our fault, not the file's
		}
	}
	return v
}

// selfOnly reports whether r's own bytes match a signature that no member
// explains. An archive that stores a member uncompressed shows the
// member's bytes in its own, so the archive matching too is expected and
// does not make it uncleanable; the rebuilt archive is scanned again.
func selfOnly(r *scan.Result) bool {
	inMembers := map[string]bool{}
	for _, m := range r.Members {
		for _, f := range m.Findings() {
			inMembers[f.Signature] = true
		}
	}
	for _, s := range r.Signatures {
		if !inMembers[s] {
			return true
		}
	}
	return false
}

// unscannableKind names why a file (or member) could not be scanned
// completely, or "" when err is not about the file.
func unscannableKind(err error) string {
	switch {
	case errors.Is(err, unpack.ErrLimit):
		return UnscannableLimit
	case errors.Is(err, unpack.ErrNoUnpacker):
		return UnscannableContainer
	case errors.Is(err, unpack.ErrUnsupported):
		return UnscannableMethod
	}
	return ""
}
