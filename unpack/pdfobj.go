package unpack

import (
	"bytes"
	"strconv"
)

// A lenient reader of PDF syntax (ISO 32000-1, 7.2-7.3): enough to read the
// dictionaries in front of streams. It never fails: what cannot be parsed
// ends the value, the way viewers (and ClamAV) carry on through damaged
// files, which is where malware hides.

type pdfName string

type pdfRef struct{ num, gen int }

type pdfDict map[pdfName]any

func isPDFSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isPDFDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

type pdfLexer struct {
	b []byte
	p int
}

// skip passes white space and comments.
func (l *pdfLexer) skip() {
	for l.p < len(l.b) {
		c := l.b[l.p]
		switch {
		case isPDFSpace(c):
			l.p++
		case c == '%':
			for l.p < len(l.b) && l.b[l.p] != '\n' && l.b[l.p] != '\r' {
				l.p++
			}
		default:
			return
		}
	}
}

// token reads a run of regular characters.
func (l *pdfLexer) token() []byte {
	s := l.p
	for l.p < len(l.b) && !isPDFSpace(l.b[l.p]) && !isPDFDelim(l.b[l.p]) {
		l.p++
	}
	return l.b[s:l.p]
}

// value parses one object; depth bounds nesting.
func (l *pdfLexer) value(depth int) any {
	l.skip()
	if l.p >= len(l.b) || depth > 64 {
		return nil
	}
	switch c := l.b[l.p]; {
	case c == '/':
		l.p++
		return pdfName(decodeNameEscapes(l.token()))
	case c == '(':
		return l.literal()
	case c == '<' && l.p+1 < len(l.b) && l.b[l.p+1] == '<':
		return l.dict(depth)
	case c == '<':
		return l.hexString()
	case c == '[':
		l.p++
		var arr []any
		for {
			l.skip()
			if l.p >= len(l.b) {
				return arr
			}
			if l.b[l.p] == ']' {
				l.p++
				return arr
			}
			start := l.p
			v := l.value(depth + 1)
			if l.p == start { // an unexpected delimiter: step over it
				l.p++
				continue
			}
			arr = append(arr, l.refFrom(v))
		}
	default:
		t := l.token()
		if len(t) == 0 {
			return nil
		}
		if n, err := strconv.ParseInt(string(t), 10, 64); err == nil {
			return n
		}
		if f, err := strconv.ParseFloat(string(t), 64); err == nil {
			return f
		}
		return string(t) // true, false, null, keywords
	}
}

// refFrom turns "n g R" following an integer into a reference.
func (l *pdfLexer) refFrom(v any) any {
	n, ok := v.(int64)
	if !ok {
		return v
	}
	save := l.p
	l.skip()
	g := l.token()
	l.skip()
	if gen, err := strconv.Atoi(string(g)); err == nil && l.p < len(l.b) && l.b[l.p] == 'R' &&
		(l.p+1 == len(l.b) || isPDFSpace(l.b[l.p+1]) || isPDFDelim(l.b[l.p+1])) {
		l.p++
		return pdfRef{int(n), gen}
	}
	l.p = save
	return v
}

func (l *pdfLexer) dict(depth int) pdfDict {
	l.p += 2
	d := pdfDict{}
	for {
		l.skip()
		if l.p >= len(l.b) {
			return d
		}
		if l.b[l.p] == '>' {
			l.p++
			if l.p < len(l.b) && l.b[l.p] == '>' {
				l.p++
			}
			return d
		}
		k, ok := l.value(depth + 1).(pdfName)
		if !ok {
			if l.p < len(l.b) && (l.b[l.p] == ']' || l.b[l.p] == ')') {
				l.p++
			}
			continue
		}
		d[k] = l.refFrom(l.value(depth + 1))
	}
}

func (l *pdfLexer) literal() []byte {
	l.p++
	var out []byte
	for depth := 1; l.p < len(l.b); l.p++ {
		c := l.b[l.p]
		switch c {
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				l.p++
				return out
			}
		case '\\':
			l.p++
			if l.p >= len(l.b) {
				return out
			}
			e := l.b[l.p]
			switch e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if l.p+1 < len(l.b) && l.b[l.p+1] == '\n' {
					l.p++
				}
				continue
			case '\n':
				continue
			default:
				if e >= '0' && e <= '7' {
					v := 0
					for k := 0; k < 3 && l.p < len(l.b) && l.b[l.p] >= '0' && l.b[l.p] <= '7'; k++ {
						v = v*8 + int(l.b[l.p]-'0')
						l.p++
					}
					l.p--
					c = byte(v)
				} else {
					c = e
				}
			}
		}
		out = append(out, c)
	}
	return out
}

func (l *pdfLexer) hexString() []byte {
	l.p++
	var out []byte
	var hi, have = byte(0), false
	for ; l.p < len(l.b); l.p++ {
		c := l.b[l.p]
		if c == '>' {
			l.p++
			break
		}
		v, ok := hexVal(c)
		if !ok {
			continue
		}
		if have {
			out = append(out, hi<<4|v)
		} else {
			hi = v
		}
		have = !have
	}
	if have {
		out = append(out, hi<<4)
	}
	return out
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// decodeNameEscapes turns #xx in a name into the byte (7.3.5).
func decodeNameEscapes(t []byte) string {
	if bytes.IndexByte(t, '#') < 0 {
		return string(t)
	}
	var out []byte
	for i := 0; i < len(t); i++ {
		if t[i] == '#' && i+2 < len(t) {
			h, ok1 := hexVal(t[i+1])
			lo, ok2 := hexVal(t[i+2])
			if ok1 && ok2 {
				out = append(out, h<<4|lo)
				i += 2
				continue
			}
		}
		out = append(out, t[i])
	}
	return string(out)
}

// names returns a Filter (or DecodeParms) entry as a list.
func pdfList(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	}
	return []any{v}
}
