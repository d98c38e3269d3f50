package unpack

import (
	"io"

	"github.com/sigtool/sigtool/filetype"
)

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
	// Type, when not filetype.Any, is the type the container gives this
	// content, which is then matched as that type and not typed, opened
	// or normalised further: ClamAV matches a VBA macro module of an
	// OLE2 file as MSOLE2 (target 2), say. The member is a layer below
	// its container, for Container and Intermediates conditions.
	Type filetype.Type
	// Normalized, with Type, marks a normalised view of the container
	// itself rather than a member of it (the forms of an HTML file
	// normalised for target 3): matched as Type in the container's own
	// layer, by body and logical signatures only. When a container yields
	// normalised views of itself, its raw bytes are not matched (as
	// ClamAV does not match raw HTML).
	Normalized bool
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
