// Package quarantine keeps what a mail gateway takes out of messages: the
// attachments it removed as infected or forbidden, the original archives it
// cleaned, and whole messages it deleted, so that an administrator can look
// at them and release one if the verdict was wrong.
//
// A Store is one bbolt file. Items are content-addressed: the ID is the
// lower-case hex SHA-256 of the bytes, so the same file removed from many
// messages is stored once, and each removal adds a Record (Message-ID,
// time, reason, signature, file name) to the item. Get checks the bytes
// against the ID before returning them, so a damaged file is reported
// rather than released.
//
// Layout (schema 1):
//
//	meta/magic    "sigtool-quarantine"
//	meta/schema   uint32 big-endian
//	content/<ID>  the item's bytes, as removed (decoded attachment or raw entity)
//	records/<ID>  JSON {"size":N,"records":[{...},...]}
//
// File names and other strings taken from mail are stored as labels only:
// nothing in this package turns them into paths. Release writes to a path
// the caller chooses.
//
// Each store has its own quarantine beside it, named after it (PathFor:
// sigtool.db -> sigtool.quarantine.db); Find also finds the one
// quarantine.db per folder that versions before kept, shared by the
// folder's stores. Items leave only by Delete or Purge (retention: what
// was last quarantined before a time), each one transaction.
//
// Where the package is lenient: Get, Release and Delete accept any
// unambiguous prefix of at least MinPrefix hex digits, as git does,
// because people type IDs from a banner; an ambiguous one is an
// AmbiguousError listing the candidates. Everything else is strict: a file
// that is not a quarantine, or one from a newer schema, is refused rather
// than modified.
//
// Files: store.go (Open, OpenShared), put.go (Put, Delete), get.go (List,
// Get, Release, prefixes), purge.go, path.go, record.go, errors.go.
package quarantine
