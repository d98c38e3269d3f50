package mailmime

import (
	"sort"
	"strconv"
	"strings"
)

// mediaType is one parsed Content-Type or Content-Disposition value.
type mediaType struct {
	value  string            // lower-cased "type/subtype" or disposition
	params map[string]string // lower-cased keys, decoded values
	raw    map[string]string // the same keys, values as sent (see rawParam)
	ok     bool              // value had the expected shape
	// every holds each value of a repeated parameter (as decoded and as
	// sent), first to last: parsers disagree on which one counts.
	every map[string][]string
}

// parseMediaType parses `type/subtype; k=v; ...` (wantSlash) or
// `disposition; k=v` leniently: comments are skipped, odd case is folded,
// unterminated quotes run to the end, junk between parameters is skipped,
// and an unquoted value runs to the next ';' (mailers send unquoted names
// with spaces). RFC 2231 continuations and charsets are assembled and RFC
// 2047 encoded words inside values are decoded, because mailers put them
// there although RFC 2047 forbids it.
func parseMediaType(s string, wantSlash bool) mediaType {
	var mt mediaType
	i := skipCFWS(s, 0)
	j := i
	for j < len(s) && s[j] != ';' && s[j] != '(' && !isWSP(s[j]) && s[j] != '\r' && s[j] != '\n' {
		j++
	}
	v := strings.ToLower(s[i:j])
	if wantSlash {
		slash := strings.IndexByte(v, '/')
		mt.ok = slash > 0 && slash < len(v)-1
	} else {
		mt.ok = v != "" && !strings.Contains(v, "=")
		if strings.Contains(v, "=") {
			// "Content-Disposition: filename=x" has no type; read it all as parameters.
			j = i
			v = ""
		}
	}
	mt.value = v
	plain, raw, every := scanParams(s, j)
	mt.params, mt.raw = assembleParams(plain, raw)
	mt.every = every
	return mt
}

// skipCFWS skips blanks and (nested) comments starting at i.
func skipCFWS(s string, i int) int {
	for i < len(s) {
		switch c := s[i]; {
		case isWSP(c) || c == '\r' || c == '\n':
			i++
		case c == '(':
			i = skipComment(s, i)
		default:
			return i
		}
	}
	return i
}

// skipComment skips the (possibly nested) comment opening at s[i]; an
// unterminated comment runs to the end.
func skipComment(s string, i int) int {
	depth := 0
	for ; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return i
}

// scanParams reads `; key=value` pairs from s[i:]. plain holds values with
// quoting removed; raw holds them as sent between the quotes (escapes kept).
// The first occurrence of a key wins; every lists all of them.
func scanParams(s string, i int) (plain, raw map[string]string, every map[string][]string) {
	plain = map[string]string{}
	raw = map[string]string{}
	every = map[string][]string{}
	for i < len(s) {
		i = skipCFWS(s, i)
		if i < len(s) && s[i] == ';' {
			i++
			continue
		}
		k := i
		for i < len(s) && s[i] != '=' && s[i] != ';' && !isWSP(s[i]) {
			i++
		}
		key := strings.ToLower(s[k:i])
		i = skipCFWS(s, i)
		if key == "" || i >= len(s) || s[i] != '=' {
			// Not a parameter: skip to the next separator.
			for i < len(s) && s[i] != ';' {
				i++
			}
			if key == "" && i < len(s) && s[i] != ';' {
				i++
			}
			continue
		}
		i = skipWSPOnly(s, i+1)
		var val, rv string
		if i < len(s) && s[i] == '"' {
			val, rv, i = readQuoted(s, i+1)
			for i < len(s) && s[i] != ';' { // trailing comment or junk
				i++
			}
		} else {
			v := i
			for i < len(s) && s[i] != ';' {
				i++
			}
			val = strings.TrimRight(s[v:i], " \t\r\n")
			rv = val
		}
		if _, dup := plain[key]; !dup {
			plain[key] = val
			raw[key] = rv
		}
		every[key] = append(every[key], val, rv)
	}
	return plain, raw, every
}

func skipWSPOnly(s string, i int) int {
	for i < len(s) && (isWSP(s[i]) || s[i] == '\r' || s[i] == '\n') {
		i++
	}
	return i
}

// readQuoted reads a quoted string whose opening quote precedes s[i]. It
// returns the unescaped value, the raw text between the quotes, and the
// index after the closing quote. An unterminated string runs to the end.
func readQuoted(s string, i int) (val, raw string, next int) {
	var b strings.Builder
	start := i
	for i < len(s) {
		c := s[i]
		if c == '"' {
			return b.String(), s[start:i], i + 1
		}
		if c == '\\' && i+1 < len(s) {
			i++
			c = s[i]
		}
		b.WriteByte(c)
		i++
	}
	return b.String(), s[start:], i
}

// rfc2231Seg is one `name*N[*]=value` segment.
type rfc2231Seg struct {
	n       int
	encoded bool
	val     string
	raw     string
}

// assembleParams joins RFC 2231 segments (`name*`, `name*0*`, `name*1`...)
// into single values, decodes their %XX escapes and charset, and decodes RFC
// 2047 words inside plain values. An RFC 2231 value wins over a plain one of
// the same name, as RFC 2231 intends.
func assembleParams(plain, raw map[string]string) (map[string]string, map[string]string) {
	out := make(map[string]string, len(plain))
	outRaw := make(map[string]string, len(plain))
	segs := map[string][]rfc2231Seg{}
	for k, v := range plain {
		star := strings.IndexByte(k, '*')
		if star < 0 {
			out[k] = decodeWords(v)
			outRaw[k] = raw[k]
			continue
		}
		base, rest := k[:star], k[star+1:]
		seg := rfc2231Seg{val: v, raw: raw[k]}
		switch {
		case rest == "":
			seg.encoded = true
		case strings.HasSuffix(rest, "*"):
			seg.encoded = true
			rest = rest[:len(rest)-1]
			fallthrough
		default:
			n, err := strconv.Atoi(rest)
			if err != nil || n < 0 {
				out[k] = decodeWords(v) // not RFC 2231 after all
				outRaw[k] = raw[k]
				continue
			}
			seg.n = n
		}
		segs[base] = append(segs[base], seg)
	}
	for base, ss := range segs {
		sort.SliceStable(ss, func(a, b int) bool { return ss[a].n < ss[b].n })
		charset := ""
		var buf []byte
		var rawJoined strings.Builder
		for i, sg := range ss {
			rawJoined.WriteString(sg.raw)
			v := sg.val
			if sg.encoded {
				if i == 0 {
					// charset'language'value; tolerate a missing prefix.
					if q1 := strings.IndexByte(v, '\''); q1 >= 0 {
						if q2 := strings.IndexByte(v[q1+1:], '\''); q2 >= 0 {
							charset = v[:q1]
							v = v[q1+1+q2+1:]
						}
					}
				}
				buf = append(buf, percentDecode(v)...)
			} else {
				buf = append(buf, v...)
			}
		}
		s, _ := decodeCharset(charset, buf)
		out[base] = s
		outRaw[base] = rawJoined.String()
	}
	return out, outRaw
}

// percentDecode decodes %XX escapes; a bad escape is kept literally.
func percentDecode(s string) []byte {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if h, ok := unhex2(s[i+1], s[i+2]); ok {
				b = append(b, h)
				i += 2
				continue
			}
		}
		b = append(b, s[i])
	}
	return b
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func unhex2(a, b byte) (byte, bool) {
	x, ok1 := unhex(a)
	y, ok2 := unhex(b)
	return x<<4 | y, ok1 && ok2
}
