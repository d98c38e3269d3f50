package filetype

// Text classes of a byte, as ClamAV's text detection sees them: never in
// text, plain ASCII text, ISO-8859 text, non-ISO extended ASCII.
const (
	ccNever byte = iota
	ccASCII
	ccISO
	ccExt
)

// textClass gives the class of each byte: BEL, BS, HT, LF, FF, CR and
// ESC are text among the controls (VT is not), 0x85 (NEL) is plain text,
// 0x80-0x9f extended, 0xa0-0xff ISO-8859.
var textClass = func() (c [256]byte) {
	for _, b := range []byte{7, 8, 9, 10, 12, 13, 27} {
		c[b] = ccASCII
	}
	for b := 0x20; b < 0x7f; b++ {
		c[b] = ccASCII
	}
	for b := 0x80; b < 0xa0; b++ {
		c[b] = ccExt
	}
	c[0x85] = ccASCII
	for b := 0xa0; b < 0x100; b++ {
		c[b] = ccISO
	}
	return c
}()

// textType types content that no magic recognised: text in one of ClamAV's
// three senses, else binary data. The checks and their quirks are
// ClamAV's (textdet.c): "ASCII" admits every byte above 0x7f; UTF-8 wants
// at least one multibyte sequence and no control but the text ones; and
// UTF-16 without a byte-order mark is read big-endian and accepted unless
// some code unit below 128 is a control character, so much binary data is
// "UTF-16BE" text for ClamAV, and is matched in normalised form too.
func textType(b []byte) Type {
	switch {
	case isASCII(b):
		return TextASCII
	case isUTF8(b):
		return TextUTF8
	}
	switch isUTF16(b) {
	case 1:
		return TextUTF16LE
	case 2:
		return TextUTF16BE
	}
	return BinaryData
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if textClass[c] == ccNever {
			return false
		}
	}
	return true
}

func isUTF8(b []byte) bool {
	got := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c&0x80 == 0 {
			if textClass[c] != ccASCII {
				return false
			}
			continue
		}
		if c&0x40 == 0 {
			return false // a continuation byte cannot start a sequence
		}
		follow := 0
		switch {
		case c&0x20 == 0:
			follow = 1
		case c&0x10 == 0:
			follow = 2
		case c&0x08 == 0:
			follow = 3
		case c&0x04 == 0:
			follow = 4
		case c&0x02 == 0:
			follow = 5
		default:
			return false
		}
		for range follow {
			i++
			if i >= len(b) {
				return got // a sequence cut by the end of the sample counts
			}
			if b[i]&0xc0 != 0x80 {
				return false
			}
		}
		got = true
	}
	return got
}

// isUTF16 returns 1 for little-endian, 2 for big-endian text, 0 for none.
// The first code unit is never examined (it may be the byte-order mark).
func isUTF16(b []byte) int {
	if len(b) < 2 {
		return 0
	}
	be, bom := true, true
	switch {
	case b[0] == 0xff && b[1] == 0xfe:
		be = false
	case b[0] == 0xfe && b[1] == 0xff:
	default:
		bom = false
	}
	bad := 0
	for i := 2; i+1 < len(b); i += 2 {
		c := int(b[i]) | int(b[i+1])<<8
		if be {
			c = int(b[i+1]) | int(b[i])<<8
		}
		if c == 0xfffe {
			return 0
		}
		if c < 128 && textClass[c] != ccASCII {
			if !bom {
				return 0
			}
			bad++
		}
	}
	if bom && bad >= len(b)/2 {
		return 0
	}
	if be {
		return 2
	}
	return 1
}
