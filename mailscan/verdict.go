package mailscan

import (
	"context"

	"github.com/sigtool/sigtool/unpack"
)

// fileVerdict is what the policy needs to know about one scanned file.
// Keeping it separate from scan.Result confines the engine's result layout
// to engine.go.
type fileVerdict struct {
	// Signatures found in the file or anything inside it, in order, without
	// repeats.
	Signatures []string
	// Self is set when the file's own bytes matched, not only members: such
	// a file cannot be cleaned by dropping members.
	Self        bool
	Format      unpack.Format
	Encrypted   bool // the file, or any member at any depth, is encrypted
	MemberCount int  // entries the archive lists at its top level
	Members     []memberVerdict
	// Unscannable lists what could not be scanned because of the file
	// itself (a limit, a container or method we cannot open): the
	// policy's unscannable rule decides.
	Unscannable []unscannable
	// Damaged lists the damaged or truncated archives in the file, which
	// are unscannable only when the policy says so (DamagedUnscannable).
	Damaged []unscannable
	// Problem is set when the scan itself failed (the detector): the
	// doubt rule then keeps the original message.
	Problem error
}

// unscannable is one place in a file that was not scanned, and why.
type unscannable struct {
	why  string // one of the Unscannable* kinds
	path string
	err  error
}

// memberVerdict is one top-level archive member.
type memberVerdict struct {
	Name     string
	Infected bool // the member or anything inside it matched
}

// scanFunc scans one file's bytes.
type scanFunc func(ctx context.Context, name string, data []byte) (fileVerdict, error)
