package mailmime

import (
	"bytes"
	"strconv"
)

// An MboxMessage is one message of an mbox file, as byte offsets into the
// file so that it can be re-emitted unchanged: data[Start:End] is the
// message with its "From " line and trailing separator; consecutive
// messages tile the file.
type MboxMessage struct {
	Start, End int // whole record, From_ line to the next From_ line
	// MsgStart and MsgEnd bound the message proper: after the From_ line,
	// before the blank separator line that precedes the next From_ line.
	MsgStart, MsgEnd int
	FromLine         string // the envelope line without its line break ("" if none)
}

// Message returns the message proper out of data.
func (m MboxMessage) Message(data []byte) []byte { return data[m.MsgStart:m.MsgEnd:m.MsgEnd] }

// SplitMbox splits an mbox file into messages. It honours a correct
// Content-Length header (the "mboxcl" style, whose bodies may hold unescaped
// From lines) and otherwise splits at From_ lines. Because real mailboxes
// hold unescaped "From " lines in bodies ("From time to time", "From Russia
// with love"), a From_ line must look like one: "From " then a sender word,
// then nothing or text with a digit in it (the date), and the next line
// must look like a header field. A leading UTF-8 BOM is tolerated. Bytes
// before the first From_ line form a message of their own with an empty
// FromLine, so nothing is dropped.
func SplitMbox(data []byte) []MboxMessage {
	var out []MboxMessage
	i := 0
	for i < len(data) {
		m := MboxMessage{Start: i}
		j := i
		if lineStart := skipBOM(data, i); isFromLine(data, lineStart) {
			ce, next := lineAt(data, lineStart, len(data))
			m.FromLine = string(data[lineStart:ce])
			j = next
		}
		m.MsgStart = j
		end := nextFromLine(data, j)
		// A Content-Length can only move the end to a "From " (the
		// unescaped one in an mboxcl body, or one right after a body
		// without a final line break): with none after j, the header
		// parse is skipped, as it is for most single messages.
		if end < len(data) || bytes.Contains(data[j:], fromPrefix) {
			if cl := contentLengthEnd(data, j); cl > 0 {
				end = cl
			}
		}
		m.End = end
		m.MsgEnd = trimSeparator(data, m.MsgStart, end)
		out = append(out, m)
		if end <= i { // cannot happen, but never loop forever
			break
		}
		i = end
	}
	return out
}

func skipBOM(data []byte, i int) int {
	if i == 0 && bytes.HasPrefix(data, utf8BOM) {
		return len(utf8BOM)
	}
	return i
}

// isFromLine reports whether the line at i is a plausible From_ line
// followed by a header-looking line (or the end of data).
func isFromLine(data []byte, i int) bool {
	ce, next := lineAt(data, i, len(data))
	line := data[i:ce]
	if !bytes.HasPrefix(line, fromPrefix) {
		return false
	}
	rest := trimWSP(line[5:])
	if sp := bytes.IndexAny(rest, " \t"); sp >= 0 {
		if !bytes.ContainsAny(rest[sp:], "0123456789") {
			return false // "From Russia with love"
		}
	}
	if next >= len(data) {
		return true
	}
	nce, _ := lineAt(data, next, len(data))
	_, _, ok := splitField(data[next:nce], false)
	return ok && nce > next
}

var fromPrefix = []byte("From ")

// nextFromLine returns the start of the next From_ line at or after i (a
// line start), or len(data). It looks only where "From " begins a line:
// at i, or after a line feed or a lone carriage return (after a CR the
// 'F' is not the LF of a CRLF).
func nextFromLine(data []byte, i int) int {
	for p := i; p < len(data); p++ {
		k := bytes.Index(data[p:], fromPrefix)
		if k < 0 {
			break
		}
		p += k
		if (p == i || data[p-1] == '\n' || data[p-1] == '\r') && isFromLine(data, p) {
			return p
		}
	}
	return len(data)
}

// contentLengthEnd returns where the record starting with the header at i
// ends according to its Content-Length, if that position is the end of
// data or a From_ line (possibly after blank lines); else 0.
func contentLengthEnd(data []byte, i int) int {
	h, body := parseHeader(data, i, len(data))
	v := h.Get("Content-Length")
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > len(data)-body {
		return 0
	}
	e := body + n
	for e < len(data) {
		if isFromLine(data, e) {
			return e
		}
		ce, next := lineAt(data, e, len(data))
		if ce != e {
			return 0 // not a blank line: the count is wrong
		}
		e = next
	}
	return e
}

// trimSeparator drops the one blank line that mbox writers put before the
// next From_ line.
func trimSeparator(data []byte, start, end int) int {
	if end >= len(data) || end-start < 1 {
		return end
	}
	// The record ends with "...EOL EOL"; the last EOL is the blank line.
	k := end
	switch {
	case k-start >= 2 && data[k-2] == '\r' && data[k-1] == '\n':
		k -= 2
	case data[k-1] == '\n' || data[k-1] == '\r':
		k--
	default:
		return end
	}
	if k > start && (data[k-1] == '\n' || data[k-1] == '\r') {
		return k
	}
	return end
}
