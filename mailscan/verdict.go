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
	// Problem is set when something was not fully scanned (a limit, a scan
	// error): the doubt rule then keeps the original message.
	Problem error
}

// memberVerdict is one top-level archive member.
type memberVerdict struct {
	Name     string
	Infected bool // the member or anything inside it matched
}

// scanFunc scans one file's bytes.
type scanFunc func(ctx context.Context, name string, data []byte) (fileVerdict, error)
