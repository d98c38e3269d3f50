package sigfile

// hexNibble maps an ASCII byte to its hex value, or 0xff when it is not a
// hex digit. Both cases are accepted, as ClamAV's hex decoder does.
var hexNibble = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = byte(c-'a') + 10
		t[c-'a'+'A'] = byte(c-'a') + 10
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// decodeHex decodes an even-length hex string into dst, which must hold
// len(s)/2 bytes. It reports false on any non-hex digit.
func decodeHex(dst []byte, s string) bool {
	for i := 0; i < len(dst); i++ {
		hi, lo := hexNibble[s[2*i]], hexNibble[s[2*i+1]]
		if hi > 15 || lo > 15 {
			return false
		}
		dst[i] = hi<<4 | lo
	}
	return true
}
