package sigfile

import (
	"path"
	"strings"
)

// Kind is a signature file kind, named by its ClamAV file extension without
// the dot. PUA variants (.hdu, .ndu, ...) map to their base kind; the PUA flag
// is reported separately by KindOf.
type Kind string

// The file kinds the parser understands.
const (
	KindHDB  Kind = "hdb"  // MD5:size:name (any hash length is accepted, as ClamAV does)
	KindHSB  Kind = "hsb"  // SHA-1 / SHA-256:size:name
	KindMDB  Kind = "mdb"  // PE section size:MD5:name
	KindMSB  Kind = "msb"  // PE section size:SHA:name
	KindNDB  Kind = "ndb"  // extended body signatures
	KindLDB  Kind = "ldb"  // logical signatures
	KindFP   Kind = "fp"   // allow list by file hash (hdb syntax)
	KindSFP  Kind = "sfp"  // allow list by file hash (hsb syntax)
	KindIGN  Kind = "ign"  // ignore list, old three-field form
	KindIGN2 Kind = "ign2" // ignore list: NAME or NAME:MD5
)

// puaKinds maps the PUA extensions to their base kind.
var puaKinds = map[string]Kind{
	"hdu": KindHDB, "hsu": KindHSB, "mdu": KindMDB, "msu": KindMSB,
	"ndu": KindNDB, "ldu": KindLDB,
}

// KindOf returns the kind of a signature file from its name. ok is false for
// a name that is not a signature file this package parses (for example
// .info, .cfg, COPYING, .idb, .crb, .cdb).
func KindOf(name string) (kind Kind, pua bool, ok bool) {
	ext := strings.ToLower(strings.TrimPrefix(path.Ext(name), "."))
	switch k := Kind(ext); k {
	case KindHDB, KindHSB, KindMDB, KindMSB, KindNDB, KindLDB, KindFP, KindSFP, KindIGN, KindIGN2:
		return k, false, true
	}
	if k, isPUA := puaKinds[ext]; isPUA {
		return k, true, true
	}
	return "", false, false
}
