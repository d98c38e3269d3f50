package mailmime

import (
	"strings"
)

// decodeWords decodes RFC 2047 encoded words (=?charset?B|Q?text?=) in s.
// It is lenient the way real mailers need: words may touch other text
// ("report=?utf-8?q?_x?=.pdf"), blanks between two words are dropped, and
// adjacent words in one charset are joined before charset decoding so a
// multi-byte character split across words survives. A malformed word is
// kept as written.
func decodeWords(s string) string {
	if !strings.Contains(s, "=?") {
		return s
	}
	var out strings.Builder
	var pending []byte // decoded bytes of adjacent words in pendCS
	pendCS := ""
	flush := func() {
		if pending != nil {
			d, _ := decodeCharset(pendCS, pending)
			out.WriteString(d)
			pending, pendCS = nil, ""
		}
	}
	i := 0
	for i < len(s) {
		j := strings.Index(s[i:], "=?")
		if j < 0 {
			flush()
			out.WriteString(s[i:])
			break
		}
		j += i
		cs, data, end, ok := parseWord(s, j)
		if !ok {
			flush()
			out.WriteString(s[i : j+2])
			i = j + 2
			continue
		}
		gap := s[i:j]
		if pending != nil && strings.TrimLeft(gap, " \t\r\n") == "" {
			// blanks between encoded words are not part of the text
		} else {
			flush()
			out.WriteString(gap)
		}
		if pending != nil && !strings.EqualFold(cs, pendCS) {
			flush()
		}
		if pending == nil {
			pending = []byte{}
		}
		pendCS = cs
		pending = append(pending, data...)
		i = end
	}
	flush()
	return out.String()
}

// parseWord parses the encoded word starting at s[i] ("=?"). It returns the
// charset, the decoded bytes and the index after "?=".
func parseWord(s string, i int) (charset string, data []byte, end int, ok bool) {
	p := i + 2
	q := strings.IndexByte(s[p:], '?')
	if q <= 0 {
		return "", nil, 0, false
	}
	charset = s[p : p+q]
	if strings.ContainsAny(charset, " \t\"") {
		return "", nil, 0, false
	}
	p += q + 1
	if p+2 > len(s) || s[p+1] != '?' {
		return "", nil, 0, false
	}
	enc := s[p] | 0x20
	p += 2
	e := strings.Index(s[p:], "?=")
	if e < 0 {
		return "", nil, 0, false
	}
	text := s[p : p+e]
	switch enc {
	case 'b':
		data = DecodeBase64([]byte(text))
	case 'q':
		data = decodeQWord(text)
	default:
		return "", nil, 0, false
	}
	return charset, data, p + e + 2, true
}

// decodeQWord decodes the Q encoding: "_" is a space, =XX a byte, and a bad
// escape stays literal.
func decodeQWord(s string) []byte {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '_':
			b = append(b, ' ')
		case c == '=' && i+2 < len(s):
			if h, ok := unhex2(s[i+1], s[i+2]); ok {
				b = append(b, h)
				i += 2
				continue
			}
			b = append(b, c)
		default:
			b = append(b, c)
		}
	}
	return b
}
