package mailmime

import "bytes"

// LooksLikeMessage reports whether head, the start of a file, is a mail
// message: its first lines (ending in LF, CRLF or a bare CR, as Parse
// reads them) are header fields, at least two of them fields every mailer
// writes; an mbox "From " line may come first. The header ends at the
// first line that is no field, as a mail client reads it, so text that
// merely quotes a header further down (an HTML body holding a forwarded
// message's "From:" and "Date:" lines) is not a message. A field name may
// carry comments and blanks around it ("Content-Type (x) :"), as lenient
// readers take it; blanks inside a name make the line text.
func LooksLikeMessage(head []byte) bool {
	head = bytes.TrimPrefix(head, utf8BOM)
	known := 0
	for i := 0; i < len(head); {
		ce, next := lineAt(head, i, len(head))
		line := head[i:ce]
		first := i == 0
		i = next
		switch {
		case len(line) == 0:
			return known >= 2
		case isWSP(line[0]), first && bytes.HasPrefix(line, []byte("From ")):
			continue
		}
		name, ok := fieldName(line)
		if !ok {
			break
		}
		switch name {
		case "from", "to", "cc", "subject", "date", "received", "return-path", "message-id",
			"mime-version", "content-type", "delivered-to", "x-original-to", "reply-to", "sender":
			known++
		}
	}
	return known >= 2
}

// fieldName returns the lower-cased name of the header field line, its
// comments and the blanks around it dropped; ok is false when the line is
// no field (no colon, or a name that is empty or holds a blank or a
// control byte).
func fieldName(line []byte) (string, bool) {
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return "", false
	}
	var n []byte
	raw := string(line[:colon])
	for i := 0; i < len(raw); {
		if raw[i] == '(' {
			i = skipComment(raw, i)
			continue
		}
		n = append(n, raw[i])
		i++
	}
	n = trimWSP(n)
	if len(n) == 0 {
		return "", false
	}
	for _, c := range n {
		if c < 33 || c > 126 {
			return "", false
		}
	}
	return string(bytes.ToLower(n)), true
}
