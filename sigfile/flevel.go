package sigfile

import "fmt"

// parseFLevels parses the optional MINFL and MAXFL fields shared by hash and
// extended signatures (fl holds zero, one or two fields). skip is non-empty
// when a signature with these levels is not loaded by an engine at FLevel.
// A MAXFL written as 0 reads as unset in the result, but still skips.
func parseFLevels(fl []string) (minFL, maxFL int, skip string, err error) {
	if len(fl) > 0 {
		v, ok := parseUint(fl[0], maxU32)
		if !ok {
			return 0, 0, "", fmt.Errorf("%w: minimum %q is not a decimal number", ErrFLevel, fl[0])
		}
		minFL = int(v)
		if minFL > FLevel {
			skip = fmt.Sprintf("needs functionality level %d or later", minFL)
		}
	}
	if len(fl) > 1 {
		v, ok := parseUint(fl[1], maxU32)
		if !ok {
			return 0, 0, "", fmt.Errorf("%w: maximum %q is not a decimal number", ErrFLevel, fl[1])
		}
		maxFL = int(v)
		if maxFL < FLevel && skip == "" {
			skip = fmt.Sprintf("only for functionality level %d or earlier", maxFL)
		}
	}
	return minFL, maxFL, skip, nil
}
