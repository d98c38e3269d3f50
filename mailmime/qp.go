package mailmime

// DecodeQuotedPrintable decodes quoted-printable leniently: "=XX" (either
// case) is a byte, "=" followed by blanks and a line break (LF, CRLF or a
// bare CR) is a soft break, and anything else after "=" is kept literally,
// as RFC 2045 section 6.7 suggests for robust decoders. Line breaks and
// trailing blanks are kept as sent. It never fails.
func DecodeQuotedPrintable(src []byte) []byte {
	dst := make([]byte, 0, len(src))
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c != '=' {
			dst = append(dst, c)
			continue
		}
		if i+2 < len(src) {
			if h, ok := unhex2(src[i+1], src[i+2]); ok {
				dst = append(dst, h)
				i += 2
				continue
			}
		}
		// Soft line break: "=" [blanks] EOL, or "=" at the very end.
		j := i + 1
		for j < len(src) && isWSP(src[j]) {
			j++
		}
		switch {
		case j == len(src):
			i = j - 1
			continue
		case src[j] == '\n':
			i = j
			continue
		case src[j] == '\r':
			if j+1 < len(src) && src[j+1] == '\n' {
				j++
			}
			i = j
			continue
		}
		dst = append(dst, c)
	}
	return dst
}
