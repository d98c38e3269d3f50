package unpack

import "io"

// Member is one entry of an archive as [Walk] yields it.
type Member struct {
	// Name is the name as stored in the archive. It is a label: it may be
	// empty, absolute, contain "..", or repeat another member's name.
	Name string
	// Size is the number of content bytes read, which is what Content holds.
	Size int64
	// Encrypted members are reported without content.
	Encrypted bool
	// Content holds the member's bytes (at most MaxFileSize). It is nil for
	// encrypted or unreadable members and is valid only until the function
	// given to Walk returns.
	Content io.ReaderAt
	// Err says why Content is missing or incomplete: a *LimitError,
	// ErrEncrypted, ErrUnsupported, or a decoding error matching
	// ErrCorrupt. Content may hold a partial read even when Err is set.
	Err error
}

// Info describes an archive as a whole.
type Info struct {
	Format Format
	// MemberCount is the number of entries (files and directories) the
	// archive lists in its own directory, counted before any member is
	// read; for formats without a directory (tar, rar) it is the number of
	// headers found.
	MemberCount int
	// Encrypted is set when any member, or the archive's headers, are
	// encrypted.
	Encrypted bool
	// Expanded is the number of bytes decoded from the archive.
	Expanded int64
}
