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
	return (*Parser)(nil).ParseLine(kind, line)
}

// A Parser parses lines like ParseLine, but keeps the HashSigs of hash
// lines in blocks that it reuses after Reset, so that the millions of hash
// lines of a database cost a few allocations instead of one each. A
// caller must be done with every entry parsed before a Reset (copied what
// it keeps). A nil *Parser allocates each entry, like ParseLine.
type Parser struct {
	boxes []hashBox
}

// Reset lets p reuse the memory of every entry parsed so far.
func (p *Parser) Reset() {
	clear(p.boxes) // drop the names' lines
	p.boxes = p.boxes[:0]
}

// box returns room for one hash entry.
func (p *Parser) box() *hashBox {
	if p == nil {
		return new(hashBox)
	}
	if len(p.boxes) == cap(p.boxes) {
		// Entries parsed before still point into the old block.
		p.boxes = make([]hashBox, 0, max(64, 2*cap(p.boxes)))
	}
	p.boxes = p.boxes[:len(p.boxes)+1]
	return &p.boxes[len(p.boxes)-1]
}

// ParseLine is the package's ParseLine, with p's memory.
func (p *Parser) ParseLine(kind Kind, line string) (Entry, error) {
	line = strings.TrimSuffix(line, "\r")
	if line == "" || line[0] == '#' || isBlank(line) {
		return Entry{}, ErrNoSignature
	}
	switch kind {
	case KindHDB, KindHSB, KindFP, KindSFP:
		return parseHash(kind, line, false, p)
	case KindMDB, KindMSB:
		return parseHash(kind, line, true, p)
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
