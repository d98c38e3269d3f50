package sigfile

import "strings"

// maxU32 bounds the numbers ClamAV keeps in 32-bit fields (sizes, offsets,
// functionality levels). Larger values are errors rather than silently
// wrapping as atoi would.
const maxU32 = 1<<32 - 1

// parseUint parses a non-empty run of ASCII digits no larger than max. It
// accepts nothing else: no sign, no spaces, no base prefix.
func parseUint(s string, max uint64) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i] - '0'
		if c > 9 {
			return 0, false
		}
		n = n*10 + uint64(c)
		if n > max {
			return 0, false
		}
	}
	return n, true
}

// splitFields splits s at sep into dst and returns the number of fields.
// ok is false when s has more fields than dst holds; nothing is allocated.
func splitFields(s string, sep byte, dst []string) (n int, ok bool) {
	for {
		if n == len(dst) {
			return n, false
		}
		i := strings.IndexByte(s, sep)
		if i < 0 {
			dst[n] = s
			return n + 1, true
		}
		dst[n] = s[:i]
		n++
		s = s[i+1:]
	}
}
