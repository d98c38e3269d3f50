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
	if !mailmime.LooksLikeMessage(head) {
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
		if bytes.Equal(c.Data, data) {
			// A reading without a header is the file itself, matched
			// already: offering it again would only nest it deeper.
			return nil
		}
		parts = append(parts, Part{Name: name, Content: unpack.Bytes(c.Data), Size: int64(len(c.Data))})
		return nil
	})
	return parts, len(parts) > 0
}
