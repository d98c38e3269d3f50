package unpack

import (
	"bytes"
	"errors"
)

// htmlLexer cuts a page held in memory into the tokens of the WHATWG
// tokenizer, as golang.org/x/net/html's Tokenizer cuts them (the views
// were defined over its tokens: FuzzHTMLLexer keeps them byte-identical):
// text, start and end tags, and markup that both views drop (comments,
// doctypes, "<?...>", "</>"). It reads the bytes in place; the tokenizer
// copied each token into its buffer and re-read it, half of
// normalizeHTML's time.
//
// What this reader shares with that tokenizer, on purpose:
//   - the text after <script>, <style>, <title>, <textarea>, <xmp>,
//     <iframe>, <noembed>, <noframes>, <noscript> is one text token up to
//     its end tag (script with its escaping rules), <plaintext> to the end;
//   - a tag or an end tag cut off by the end of the page is dropped;
//   - a token of maxTok bytes or more ends the page with errHTMLToken, text
//     given up to that size first (the tokenizer's SetMaxBuf).
type htmlLexer struct {
	b      []byte
	p      int    // start of the next token
	maxTok int    // 0: unbounded
	rawTag string // element whose text comes next, lower-cased
	err    error
}

type htmlTokKind uint8

const (
	htmlEOF     htmlTokKind = iota // the end of the page, or of what could be read: err
	htmlTextTok                    // text; rawText: no character references decoded
	htmlStart                      // a start or empty-element tag
	htmlEnd                        // an end tag
	htmlDropped                    // comment, doctype, processing instruction, "</>"
)

type htmlTok struct {
	kind htmlTokKind
	raw  []byte // the token's bytes in the page
	// Text only: raw text (script, style...) keeps its character
	// references, and has NULs read as U+FFFD.
	rawText, nul bool
}

// errHTMLToken is a token the size of the tokenizer's buffer bound.
var errHTMLToken = errors.New("a token over the size bound")

var htmlRawTags = []string{"iframe", "noembed", "noframes", "noscript", "plaintext", "script", "style", "textarea", "title", "xmp"}

func isASCIILetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// next returns the next token. Once it returns htmlEOF it keeps doing so.
func (l *htmlLexer) next() htmlTok {
	b, start := l.b, l.p
	if start >= len(b) || l.err != nil {
		l.p = len(b)
		return htmlTok{kind: htmlEOF}
	}
	// The tokenizer fails on the byte that makes a token maxTok long: scan
	// the token over a window that ends before it, and a scan that needs
	// more than the window is a token that hit the bound.
	w, bounded := b, false
	if l.maxTok > 0 && start+l.maxTok-1 < len(b) {
		w, bounded = b[:start+l.maxTok-1], true
	}
	if tag := l.rawTag; tag != "" {
		l.rawTag = ""
		var end int
		eof := true
		switch tag {
		case "plaintext":
			end = len(w)
		case "script":
			end, eof = scanScript(w, start)
		default:
			end, eof = scanRawText(w, start, tag)
		}
		raw := tag != "textarea" && tag != "title"
		if eof && bounded {
			return l.overflowText(start, raw, true)
		}
		if end > start {
			l.p = end
			return htmlTok{kind: htmlTextTok, raw: b[start:end], rawText: raw, nul: true}
		}
	}
	// Text up to the first "<" that opens markup.
	i := start
	for {
		q := bytes.IndexByte(w[i:], '<')
		if q < 0 || i+q+1 >= len(w) {
			return l.textToEnd(start, bounded)
		}
		q += i
		if c := w[q+1]; isASCIILetter(c) || c == '/' || c == '!' || c == '?' {
			if q > start {
				l.p = q
				return htmlTok{kind: htmlTextTok, raw: b[start:q]}
			}
			break
		}
		i = q + 1
	}
	var (
		kind = htmlDropped
		end  int
		eof  bool
	)
	switch c := w[start+1]; {
	case isASCIILetter(c):
		var nameEnd int
		kind = htmlStart
		end, nameEnd, eof = scanTag(w, start+1)
		if !eof {
			name := w[start+1 : nameEnd]
			for _, t := range htmlRawTags {
				if asciiEqualFold(name, t) {
					l.rawTag = t
					break
				}
			}
		}
	case c == '/':
		switch {
		case start+2 >= len(w):
			return l.textToEnd(start, bounded)
		case w[start+2] == '>':
			end = start + 3
		case isASCIILetter(w[start+2]):
			kind = htmlEnd
			end, _, eof = scanTag(w, start+2)
		default:
			end, eof = untilCloseAngle(w, start+2)
		}
	case c == '!':
		// "<!--" opens a comment; anything else (a doctype, a bogus
		// comment) ends at the first ">". The tokenizer reads two bytes
		// after "<!" either way.
		switch {
		case start+3 >= len(w):
			end, eof = len(w), true
		case w[start+2] == '-' && w[start+3] == '-':
			end, eof = scanComment(w, start+4)
		default:
			end, eof = untilCloseAngle(w, start+2)
		}
	default: // '?'
		end, eof = untilCloseAngle(w, start+1)
	}
	if eof {
		// A tag cut off is lost; markup dropped anyway ends the page.
		if bounded {
			l.err = errHTMLToken
		}
		l.p = len(b)
		if kind == htmlDropped {
			return htmlTok{kind: htmlDropped, raw: b[start:len(w)]}
		}
		return htmlTok{kind: htmlEOF}
	}
	l.p = end
	return htmlTok{kind: kind, raw: b[start:end]}
}

// textToEnd is text that runs to the end of the page (or of the window).
func (l *htmlLexer) textToEnd(start int, bounded bool) htmlTok {
	if bounded {
		return l.overflowText(start, false, false)
	}
	l.p = len(l.b)
	return htmlTok{kind: htmlTextTok, raw: l.b[start:]}
}

// overflowText is text that reached the bound: maxTok bytes of it are
// still given, and the page ends there.
func (l *htmlLexer) overflowText(start int, raw, nul bool) htmlTok {
	end := start + l.maxTok
	l.p, l.err = len(l.b), errHTMLToken
	return htmlTok{kind: htmlTextTok, raw: l.b[start:end], rawText: raw, nul: nul}
}

// asciiEqualFold is b == s, ASCII letters in b read lower-cased (s is).
func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i, c := range b {
		if asciiLower[c] != s[i] {
			return false
		}
	}
	return true
}

// skipHTMLSpace returns the first index from i that is not white space.
func skipHTMLSpace(w []byte, i int) int {
	for i < len(w) && isHTMLSpace(w[i]) {
		i++
	}
	return i
}

// untilCloseAngle ends a token after the first ">" from i.
func untilCloseAngle(w []byte, i int) (end int, eof bool) {
	k := bytes.IndexByte(w[i:], '>')
	if k < 0 {
		return len(w), true
	}
	return i + k + 1, false
}

// scanComment ends a comment whose "<!--" ends before i: at "-->" or
// "--!>", or at a ">" after nothing but dashes ("<!-->", "<!--->").
func scanComment(w []byte, i int) (end int, eof bool) {
	dashes, beginning := 0, true
	for ; i < len(w); i++ {
		switch w[i] {
		case '-':
			dashes++
			continue
		case '>':
			if dashes >= 2 || beginning {
				return i + 1, false
			}
		case '!':
			if dashes >= 2 {
				i++
				if i >= len(w) {
					return len(w), true
				}
				switch w[i] {
				case '>':
					return i + 1, false
				case '-':
					dashes, beginning = 1, false
					continue
				}
			}
		}
		dashes, beginning = 0, false
	}
	return len(w), true
}

// scanTag ends a tag whose name starts at i: the name, then attributes
// read as the tokenizer reads them (so that a quoted ">" does not end the
// tag), then ">".
func scanTag(w []byte, i int) (end, nameEnd int, eof bool) {
	j := i + 1
	for j < len(w) && !isHTMLSpace(w[j]) && w[j] != '/' && w[j] != '>' {
		j++
	}
	if j >= len(w) {
		return len(w), j, true
	}
	nameEnd = j
	for {
		if j = skipHTMLSpace(w, j); j >= len(w) {
			return len(w), nameEnd, true
		}
		if w[j] == '>' {
			return j + 1, nameEnd, false
		}
		// The key: up to white space, "/", ">" or an "=" that is not its
		// first byte.
		for k := j; ; j++ {
			if j >= len(w) {
				return len(w), nameEnd, true
			}
			c := w[j]
			if c == '=' && j == k {
				continue
			}
			if c == '=' || c == '/' || c == '>' || isHTMLSpace(c) {
				break
			}
		}
		// The value, if an "=" follows; a "/" here is consumed.
		if j = skipHTMLSpace(w, j); j >= len(w) {
			return len(w), nameEnd, true
		}
		switch w[j] {
		case '/':
			j++
			continue
		case '=':
		default:
			continue
		}
		if j = skipHTMLSpace(w, j+1); j >= len(w) {
			return len(w), nameEnd, true
		}
		switch q := w[j]; q {
		case '>':
		case '"', '\'':
			k := bytes.IndexByte(w[j+1:], q)
			if k < 0 {
				return len(w), nameEnd, true
			}
			j += k + 2
		default:
			for j++; ; j++ {
				if j >= len(w) {
					return len(w), nameEnd, true
				}
				if isHTMLSpace(w[j]) {
					j++
					break
				}
				if w[j] == '>' {
					break
				}
			}
		}
	}
}

// rawEndTag reads an end tag of tag whose "</" ends before j: found, it
// returns the index of its "<"; not, the index to read on from.
func rawEndTag(w []byte, j int, tag string) (next int, found, eof bool) {
	for m := 0; m < len(tag); m++ {
		if j >= len(w) {
			return len(w), false, true
		}
		if asciiLower[w[j]] != tag[m] {
			return j, false, false
		}
		j++
	}
	if j >= len(w) {
		return len(w), false, true
	}
	switch w[j] {
	case ' ', '\n', '\r', '\t', '\f', '/', '>':
		return j - len(tag) - 2, true, false
	}
	return j, false, false
}

// scanRawText ends the text of a raw-text or RCDATA element (tag) that
// starts at i: at its end tag, or the end of the page.
func scanRawText(w []byte, i int, tag string) (end int, eof bool) {
	for {
		k := bytes.IndexByte(w[i:], '<')
		if k < 0 {
			return len(w), true
		}
		i += k + 1
		if i >= len(w) {
			return len(w), true
		}
		if w[i] != '/' {
			continue
		}
		next, found, eof := rawEndTag(w, i+1, tag)
		if found || eof {
			return next, eof
		}
		i = next
	}
}

// The states of a script's text (WHATWG "script data" states).
const (
	scrData = iota
	scrLess
	scrEscStart
	scrEscStartDash
	scrEsc
	scrEscDash
	scrEscDashDash
	scrEscLess
	scrDblEsc
	scrDblEscDash
	scrDblEscDashDash
	scrDblEscLess
)

// scanScript ends a script's text that starts at i: at "</script" that
// is not inside an escaped "<!-- <script> ... </script>".
func scanScript(w []byte, i int) (end int, eof bool) {
	state := scrData
	for {
		if state == scrData {
			k := bytes.IndexByte(w[i:], '<')
			if k < 0 {
				return len(w), true
			}
			i += k + 1
			state = scrLess
			continue
		}
		if i >= len(w) {
			return len(w), true
		}
		c := w[i]
		i++
		switch state {
		case scrLess:
			switch c {
			case '/':
				next, found, eof := rawEndTag(w, i, "script")
				if found || eof {
					return next, eof
				}
				i, state = next, scrData
			case '!':
				state = scrEscStart
			default:
				i, state = i-1, scrData
			}
		case scrEscStart, scrEscStartDash:
			switch {
			case c != '-':
				i, state = i-1, scrData
			case state == scrEscStart:
				state = scrEscStartDash
			default:
				state = scrEscDashDash
			}
		case scrEsc, scrEscDash, scrEscDashDash:
			switch {
			case c == '-' && state == scrEsc:
				state = scrEscDash
			case c == '-':
				state = scrEscDashDash
			case c == '<':
				state = scrEscLess
			case c == '>' && state == scrEscDashDash:
				state = scrData
			default:
				state = scrEsc
			}
		case scrEscLess:
			switch {
			case c == '/':
				next, found, eof := rawEndTag(w, i, "script")
				if found || eof {
					return next, eof
				}
				i, state = next, scrEsc
			case isASCIILetter(c):
				// "<script" followed by white space, "/" or ">" opens
				// the double-escaped part.
				i--
				state = scrEsc
				m := 0
				for ; m < len("script"); m++ {
					if i >= len(w) {
						return len(w), true
					}
					if asciiLower[w[i]] != "script"[m] {
						break
					}
					i++
				}
				if m == len("script") {
					if i >= len(w) {
						return len(w), true
					}
					switch w[i] {
					case ' ', '\n', '\r', '\t', '\f', '/', '>':
						i++
						state = scrDblEsc
					}
				}
			default:
				i, state = i-1, scrData
			}
		case scrDblEsc, scrDblEscDash, scrDblEscDashDash:
			switch {
			case c == '-' && state == scrDblEsc:
				state = scrDblEscDash
			case c == '-':
				state = scrDblEscDashDash
			case c == '<':
				state = scrDblEscLess
			case c == '>' && state == scrDblEscDashDash:
				state = scrData
			default:
				state = scrDblEsc
			}
		case scrDblEscLess:
			if c != '/' {
				i, state = i-1, scrDblEsc
				break
			}
			next, found, eof := rawEndTag(w, i, "script")
			switch {
			case eof:
				return len(w), true
			case found:
				i, state = next+len("</script>"), scrEsc
			default:
				i, state = next, scrDblEsc
			}
		}
	}
}
