package scan

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/sigtool/sigtool/mailmime"
	"github.com/sigtool/sigtool/unpack"
)

// mailSniffSize is how much of a file ExpandMail reads to decide whether it
// is mail at all.
const mailSniffSize = 4096

// maxMailSize bounds the mail files ExpandMail parses in memory; a larger
// "mail" is scanned as plain bytes.
const maxMailSize = 256 << 20

// ExpandMail is an Options.Expand that opens RFC 5322 messages and mbox
// files: everything mailmime.Contents yields (every leaf of every reading
// of the message, decoded, text bodies too as clamscan does, and the
// uuencode, yEnc and BinHex blocks inside text) is offered as a part. It
// is the same walk the mail policy makes. Files that do not look like
// mail are left alone.
func ExpandMail(ctx context.Context, name string, r io.ReaderAt, size int64) ([]Part, bool) {
	if size < 16 || size > maxMailSize {
		return nil, false
	}
	head := make([]byte, min(size, mailSniffSize))
	if _, err := r.ReadAt(head, 0); err != nil && err != io.EOF {
		return nil, false
	}
	if !looksLikeMail(head) {
		return nil, false
	}
	data := make([]byte, size)
	if _, err := r.ReadAt(data, 0); err != nil && err != io.EOF {
		return nil, false
	}
	msgs := mailmime.SplitMbox(data)
	if len(msgs) > 1 {
		parts := make([]Part, 0, len(msgs))
		for i, m := range msgs {
			b := m.Message(data)
			parts = append(parts, Part{Name: fmt.Sprintf("message-%d", i+1), Content: unpack.Bytes(b), Size: int64(len(b))})
		}
		return parts, true
	}
	root, _ := mailmime.Parse(data) // the tree is returned even with an error: scan what was walked
	if root == nil {
		return nil, false
	}
	var parts []Part
	n, label := 0, ""
	_ = mailmime.Contents(root, func(c mailmime.Content) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		name := label
		if c.Embedded == nil { // a body: the blocks found in it follow it
			n++
			if label = c.Part.Filename; label == "" {
				label = fmt.Sprintf("part-%d", n)
			}
			name = label
		} else if c.Name != "" {
			name += "/" + c.Name
		} else {
			name += "/" + c.Embedded.Kind
		}
		parts = append(parts, Part{Name: name, Content: unpack.Bytes(c.Data), Size: int64(len(c.Data))})
		return nil
	})
	return parts, len(parts) > 0
}

// looksLikeMail accepts an mbox "From " line or a block of RFC 5322 header
// fields, at least two of them ones every mailer writes.
func looksLikeMail(head []byte) bool {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	if bytes.HasPrefix(head, []byte("From ")) {
		if i := bytes.IndexByte(head, '\n'); i > 0 {
			head = head[i+1:]
		}
	}
	known := 0
	for len(head) > 0 {
		i := bytes.IndexByte(head, '\n')
		if i < 0 {
			break
		}
		line := bytes.TrimRight(head[:i], "\r")
		head = head[i+1:]
		if len(line) == 0 {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue
		}
		colon := bytes.IndexByte(line, ':')
		name := bytes.TrimRight(line[:max(colon, 0)], " \t")
		if colon <= 0 || !isFieldName(name) {
			break // not a field: the header ends (or was never one)
		}
		switch string(bytes.ToLower(name)) {
		case "from", "to", "cc", "subject", "date", "received", "return-path", "message-id",
			"mime-version", "content-type", "delivered-to", "x-original-to", "reply-to", "sender":
			known++
		}
	}
	return known >= 2
}

// isFieldName reports whether b is an RFC 5322 field name: printable
// ASCII but the colon. A forwarded message quoted in an HTML part
// ("<br>From: ...<br>Date: ...") has colons on its lines but no header:
// taken as mail, it would be its own only part, nested to MaxRecursion.
func isFieldName(b []byte) bool {
	for _, c := range b {
		if c < 33 || c > 126 {
			return false
		}
	}
	return len(b) > 0
}
