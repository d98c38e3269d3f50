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
// files: every leaf part is offered decoded (text bodies too, as clamscan
// does), plus uuencoded and yEnc blocks and TNEF attachments found inside
// them. Files that do not look like mail are left alone.
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
	add := func(n string, b []byte) {
		parts = append(parts, Part{Name: n, Content: unpack.Bytes(b), Size: int64(len(b))})
	}
	n := 0
	_ = mailmime.Walk(root, func(p *mailmime.Part) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !p.IsLeaf() {
			return nil
		}
		n++
		body, _ := p.Decode() // lenient: undecodable bytes come back raw
		label := p.Filename
		if label == "" {
			label = fmt.Sprintf("part-%d", n)
		}
		add(label, body)
		for _, e := range p.Uuencoded() {
			add(label+"/"+e.Name, e.Data)
		}
		for _, e := range p.YEnc() {
			add(label+"/"+e.Name, e.Data)
		}
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
		if colon <= 0 || bytes.ContainsAny(line[:colon], " \t") {
			return false
		}
		switch string(bytes.ToLower(line[:colon])) {
		case "from", "to", "cc", "subject", "date", "received", "return-path", "message-id",
			"mime-version", "content-type", "delivered-to", "x-original-to", "reply-to", "sender":
			known++
		}
	}
	return known >= 2
}
