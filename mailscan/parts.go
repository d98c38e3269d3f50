package mailscan

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/sigtool/sigtool/mailmime"
)

// textPart returns a complete text/plain MIME part (header, blank line,
// body) holding text, whose lines are separated by "\n". ASCII text goes
// out 7bit; anything else as UTF-8 quoted-printable, which survives any
// transport. The body has no final line break: the delimiter line that
// follows brings its own.
func textPart(text string, eol []byte) []byte {
	var b bytes.Buffer
	lines := strings.Split(text, "\n")
	ascii := isASCII([]byte(text))
	if ascii {
		b.WriteString("Content-Type: text/plain; charset=us-ascii")
		b.Write(eol)
		b.WriteString("Content-Transfer-Encoding: 7bit")
	} else {
		b.WriteString("Content-Type: text/plain; charset=utf-8")
		b.Write(eol)
		b.WriteString("Content-Transfer-Encoding: quoted-printable")
	}
	b.Write(eol)
	b.Write(eol)
	for i, l := range lines {
		if i > 0 {
			b.Write(eol)
		}
		if ascii {
			b.WriteString(l)
		} else {
			b.Write(qpLine([]byte(l), eol))
		}
	}
	return b.Bytes()
}

// isContentField reports whether a header field describes the entity's
// content (and so moves with it when the entity is wrapped or replaced).
func isContentField(name string) bool {
	return len(name) >= 8 && strings.EqualFold(name[:8], "content-")
}

// headerParts splits p's header into its fields' raw bytes and the
// separator (the blank line, or eol when the part had none). It fails
// when the fields do not tile the header, since rebuilding from them would
// then drop bytes.
func headerParts(msg []byte, p *mailmime.Part, eol []byte) (fields []mailmime.Field, sep []byte, err error) {
	pos := p.Start
	for _, f := range p.Header.Fields {
		if f.Start != pos || f.End < f.Start || f.End > p.BodyStart {
			return nil, nil, fmt.Errorf("%w: header fields of part at byte %d do not tile", ErrRewrite, p.Start)
		}
		pos = f.End
	}
	sep = msg[pos:p.BodyStart]
	if len(sep) == 0 {
		sep = eol
	}
	if len(bytes.Trim(sep, "\r\n")) != 0 {
		return nil, nil, fmt.Errorf("%w: header of part at byte %d ends in text", ErrRewrite, p.Start)
	}
	return p.Header.Fields, sep, nil
}

// fieldsWhere returns the raw bytes of the fields for which keep is true.
func fieldsWhere(msg []byte, fields []mailmime.Field, keep func(name string) bool) []byte {
	var b []byte
	for _, f := range fields {
		if keep(f.Name) {
			b = append(b, msg[f.Start:f.End]...)
		}
	}
	return b
}

// withLineEnd makes sure raw header bytes end in a line break before more
// fields are appended (a header cut off at the end of the message may not).
func withLineEnd(b, eol []byte) []byte {
	if len(b) > 0 && !endsWithEOL(b) {
		b = append(b, eol...)
	}
	return b
}

// boundaryFor returns a multipart boundary that does not occur in msg.
// It is derived from the message so that output is reproducible.
func boundaryFor(msg []byte) string {
	sum := sha256.Sum256(msg)
	b := "=_sigtool_" + hex.EncodeToString(sum[:12])
	for i := 0; bytes.Contains(msg, []byte(b)); i++ {
		b = fmt.Sprintf("%s_%d", b, i)
	}
	return b
}

// isMessage reports whether p is a whole message (the top, or the one
// inside a message/rfc822), whose non-content fields (From, Subject...)
// belong to the message and are kept when its content is replaced.
func isMessage(p *mailmime.Part) bool {
	return p.Parent == nil || strings.HasPrefix(p.Parent.ContentType, "message/")
}
