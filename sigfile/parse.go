package sigfile

import (
	"fmt"
	"strings"
)

// ParseLine parses one line (without its line ending; a trailing CR is
// dropped) of a file of the given kind. It returns ErrNoSignature for an
// empty or all-blank line and for a '#' comment. Errors wrap ErrSyntax and
// a more specific sentinel, and say what is wrong; the caller adds
// FILE:LINE.
//
// Strings in the returned Entry share memory with line. A line that ClamAV
// would skip at FLevel parses without error and has Entry.Skip set.
func ParseLine(kind Kind, line string) (Entry, error) {
	line = strings.TrimSuffix(line, "\r")
	if line == "" || line[0] == '#' || isBlank(line) {
		return Entry{}, ErrNoSignature
	}
	switch kind {
	case KindHDB, KindHSB, KindFP, KindSFP:
		return parseHash(kind, line, false)
	case KindMDB, KindMSB:
		return parseHash(kind, line, true)
	case KindNDB:
		return parseNDB(line)
	case KindLDB:
		return parseLDB(line)
	case KindIGN, KindIGN2:
		return parseIgnore(kind, line)
	}
	return Entry{}, fmt.Errorf("%w: %q", ErrKind, kind)
}

// isBlank reports whether s holds only spaces and tabs. ClamAV rejects such
// lines; they cannot mean anything, so we treat them as blank.
func isBlank(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != ' ' && s[i] != '\t' {
			return false
		}
	}
	return true
}
