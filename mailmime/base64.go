package mailmime

// b64val maps a byte to its base64 value, or -1 outside the alphabet.
var b64val = func() [256]int8 {
	var t [256]int8
	for i := range t {
		t[i] = -1
	}
	const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(alpha); i++ {
		t[alpha[i]] = int8(i)
	}
	return t
}()

// DecodeBase64 decodes base64 the way a scanner must: bytes outside the
// alphabet (line breaks, blanks, junk) are skipped, missing padding is
// accepted, and data after "=" padding is decoded as a new run, because
// some mailers concatenate separately encoded chunks. A lone trailing
// sextet (which cannot form a byte) is dropped. It never fails.
func DecodeBase64(src []byte) []byte {
	dst := make([]byte, 0, len(src)/4*3+3)
	var acc uint32
	n := 0 // sextets in acc
	flush := func() {
		switch n {
		case 2:
			dst = append(dst, byte(acc>>4))
		case 3:
			dst = append(dst, byte(acc>>10), byte(acc>>2))
		}
		acc, n = 0, 0
	}
	for i := 0; i < len(src); i++ {
		// Fast path: four alphabet bytes on a quantum boundary.
		if n == 0 && i+4 <= len(src) {
			a, b, c, d := b64val[src[i]], b64val[src[i+1]], b64val[src[i+2]], b64val[src[i+3]]
			if a|b|c|d >= 0 {
				v := uint32(a)<<18 | uint32(b)<<12 | uint32(c)<<6 | uint32(d)
				dst = append(dst, byte(v>>16), byte(v>>8), byte(v))
				i += 3
				continue
			}
		}
		c := src[i]
		if c == '=' {
			flush()
			continue
		}
		v := b64val[c]
		if v < 0 {
			continue
		}
		acc = acc<<6 | uint32(v)
		n++
		if n == 4 {
			dst = append(dst, byte(acc>>16), byte(acc>>8), byte(acc))
			acc, n = 0, 0
		}
	}
	flush()
	return dst
}
