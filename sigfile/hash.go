package sigfile

import "fmt"

// minFLForAnySize is the functionality level that introduced size "*" in
// hash signatures; ClamAV refuses a "*" line that does not require it.
const minFLForAnySize = 73

// maxHashSize is the largest size a hash signature may give: ClamAV keeps
// sizes in 32 bits and reserves 0xffffffff.
const maxHashSize = 1<<32 - 2

// hashBox puts a HashSig and its digest bytes in one allocation (or one
// element of a Parser's block): the store parses millions of these lines.
type hashBox struct {
	sig HashSig
	buf [32]byte
}

// parseHash parses HASH:SIZE:NAME[:MINFL[:MAXFL]], or SIZE:HASH:NAME[...]
// when section is true (.mdb/.msb), into a box from p.
func parseHash(kind Kind, line string, section bool, p *Parser) (Entry, error) {
	var f [5]string
	n, ok := splitFields(line, ':', f[:])
	if !ok || n < 3 {
		return Entry{}, fmt.Errorf("%w: want 3 to 5 fields separated by ':'", ErrFields)
	}
	hashField, sizeField := f[0], f[1]
	if section {
		hashField, sizeField = f[1], f[0]
	}
	if f[2] == "" {
		return Entry{}, fmt.Errorf("%w: empty name", ErrName)
	}
	minFL, maxFL, skip, err := parseFLevels(f[3:n])
	if err != nil {
		return Entry{}, err
	}

	box := p.box()
	sig := &box.sig
	sig.Name = f[2]
	sig.Section = section
	sig.MinFL, sig.MaxFL = minFL, maxFL
	switch len(hashField) {
	case 32:
		sig.Type = MD5
	case 40:
		sig.Type = SHA1
	case 64:
		sig.Type = SHA256
	default:
		return Entry{}, fmt.Errorf("%w: %d hex digits, want 32 (MD5), 40 (SHA-1) or 64 (SHA-256)", ErrHash, len(hashField))
	}
	sig.Digest = box.buf[:len(hashField)/2]
	if !decodeHex(sig.Digest, hashField) {
		return Entry{}, fmt.Errorf("%w: %q is not hex", ErrHash, hashField)
	}

	if sizeField == "*" {
		sig.Size = AnySize
		// ClamAV checks this only for lines it loads; a skipped line
		// may predate the rule.
		if skip == "" && (n < 4 || minFL < minFLForAnySize) {
			return Entry{}, fmt.Errorf("%w: size \"*\" needs a minimum functionality level of at least %d", ErrSize, minFLForAnySize)
		}
	} else {
		size, ok := parseUint(sizeField, maxHashSize)
		if !ok || size == 0 {
			return Entry{}, fmt.Errorf("%w: %q: want a decimal from 1 to %d or \"*\"", ErrSize, sizeField, uint64(maxHashSize))
		}
		sig.Size = int64(size)
	}
	return Entry{Kind: kind, Hash: sig, Allow: kind == KindFP || kind == KindSFP, Skip: skip}, nil
}
