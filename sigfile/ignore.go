package sigfile

import "fmt"

// parseIgnore parses a line of .ign or .ign2. ClamAV reads both with one
// loader, so both accept all three forms: NAME, NAME:MD5 (the MD5 of the
// whole database line that defines the signature) and the old
// three-field form, whose third field is the name.
func parseIgnore(kind Kind, line string) (Entry, error) {
	var f [3]string
	n, ok := splitFields(line, ':', f[:])
	if !ok {
		return Entry{}, fmt.Errorf("%w: want NAME, NAME:MD5 or three fields", ErrFields)
	}
	ig := &IgnoreEntry{Name: f[0]}
	switch n {
	case 2:
		if len(f[1]) != 32 {
			return Entry{}, fmt.Errorf("%w: MD5 %q: want 32 hex digits", ErrHash, f[1])
		}
		ig.MD5 = make([]byte, 16)
		if !decodeHex(ig.MD5, f[1]) {
			return Entry{}, fmt.Errorf("%w: MD5 %q is not hex", ErrHash, f[1])
		}
	case 3:
		ig.Name = f[2]
	}
	if ig.Name == "" {
		return Entry{}, fmt.Errorf("%w: empty name", ErrName)
	}
	return Entry{Kind: kind, Ignore: ig}, nil
}
