package mailmime

import "bytes"

// lineAt returns the line that starts at i within b[:end]: contentEnd is
// where its text stops and next is where the following line starts. A line
// ends at LF, at CRLF, or at a CR not followed by LF, because real mail
// (and the corpus) uses all three, sometimes within one message.
func lineAt(b []byte, i, end int) (contentEnd, next int) {
	// Two vectorised searches beat one byte loop on long lines.
	lf := bytes.IndexByte(b[i:end], '\n')
	scan := end
	if lf >= 0 {
		scan = i + lf
	}
	if cr := bytes.IndexByte(b[i:scan], '\r'); cr >= 0 {
		j := i + cr
		if j+1 < end && b[j+1] == '\n' {
			return j, j + 2
		}
		return j, j + 1
	}
	if lf >= 0 {
		return i + lf, i + lf + 1
	}
	return end, end
}

// isWSP reports whether c is a space or a horizontal tab.
func isWSP(c byte) bool { return c == ' ' || c == '\t' }

// trimWSP trims spaces and tabs from both ends of b.
func trimWSP(b []byte) []byte {
	for len(b) > 0 && isWSP(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isWSP(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// isBlankLine reports whether b holds nothing but spaces and tabs.
func isBlankLine(b []byte) bool { return len(trimWSP(b)) == 0 }
