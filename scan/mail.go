package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/sigtool/sigtool/mailmime"
	"github.com/sigtool/sigtool/unpack"
)

// mailSniffSize is how much of a file ExpandMail reads to decide whether it
// is mail at all.
const mailSniffSize = 4096

// ExpandMail is an Options.Expand that opens RFC 5322 messages and mbox
// files: everything mailmime.Contents yields (every leaf of every reading
// of the message, decoded, text bodies too as clamscan does, and the
// uuencode, yEnc and BinHex blocks inside text) is offered as a part. It
// is the same walk the mail policy makes, within the same limits
// (MailLimits; the engine's MaxFileSize bounds what is read). Where they
// stop the walk, the last part carries the limit, so the file is never
// reported clean. Files that do not look like mail are left alone.
func ExpandMail(ctx context.Context, name string, r io.ReaderAt, size int64, lim unpack.Limits) ([]Part, bool) {
	if size < 16 {
		return nil, false
	}
	// Every layer is offered: content in memory (a member) is looked at
	// where it is, not copied.
	data := inMemory(r, size)
	var head []byte
	if data != nil {
		head = data[:min(size, mailSniffSize)]
	} else {
		head = make([]byte, min(size, mailSniffSize))
		if _, err := r.ReadAt(head, 0); err != nil && err != io.EOF {
			return nil, false
		}
	}
	if !mailmime.LooksLikeMessage(head) {
		return nil, false
	}
	if data == nil {
		data = make([]byte, size)
		if _, err := r.ReadAt(data, 0); err != nil && err != io.EOF {
			return nil, false
		}
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
	root, perr := mailmime.ParseWith(data, MailLimits(lim)) // the tree is returned even with an error: scan what was walked
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
	if perr != nil {
		parts = append(parts, Part{Name: "mime-structure", Err: mailLimit(perr, lim)})
	}
	return parts, len(parts) > 0
}

// MailLimits are the mail walk's limits within the scan limits lim, the
// one set every path applies (sigtool scan, the clamd socket, the mail
// policy, the milter): a message nests at most MaxRecursion levels, as
// ClamAV's MIME parser does, and holds at most MaxFiles parts. A zero
// (unlimited) scan limit leaves mailmime's own cap.
func MailLimits(lim unpack.Limits) mailmime.Limits {
	m := mailmime.DefaultLimits
	if lim.MaxRecursion > 0 {
		m.MaxDepth = lim.MaxRecursion
	}
	if lim.MaxFiles > 0 {
		m.MaxParts = lim.MaxFiles
	}
	return m
}

// mailLimit is the scan limit a mailmime limit error stands for.
func mailLimit(err error, lim unpack.Limits) error {
	m := MailLimits(lim)
	if errors.Is(err, mailmime.ErrTooManyParts) {
		return &unpack.LimitError{Limit: unpack.LimitFiles, Max: int64(m.MaxParts)}
	}
	return &unpack.LimitError{Limit: unpack.LimitRecursion, Max: int64(m.MaxDepth)}
}

// inMemory returns the size bytes of r when r holds them in memory (an
// archive member, a small file read whole), else nil. A file's mapping is
// never read this way: outside mapping.guard a file that shrinks would
// fault.
func inMemory(r io.ReaderAt, size int64) []byte {
	if _, ok := r.(*mapping); ok {
		return nil
	}
	if b, ok := r.(interface{ Bytes() []byte }); ok && int64(len(b.Bytes())) >= size {
		return b.Bytes()[:size]
	}
	return nil
}
