package mailmime

import "strings"

// A Content is one file a reader of the message could take out of it: the
// decoded body of a leaf in one of the message's readings, or a block
// (uuencode, yEnc, BinHex) inside a text body.
type Content struct {
	Part     *Part     // the leaf, in whichever reading (see Part.InAlternate)
	Embedded *Embedded // the block in Part's decoded body; nil for the body itself
	Name     string    // the file name the sender gave, if any
	Data     []byte
}

// Contents calls fn for every leaf of every reading under root (Walk
// order: a part's own reading, then its Alternates) and for every block
// embedded in a text leaf, stopping at fn's first error. It is the one
// walk of a message that both a file scanner and the mail policy use, so
// what one finds the other finds. The same bytes decoded the same way (and
// both or neither an attachment) are offered once, however many readings
// share them.
func Contents(root *Part, fn func(Content) error) error {
	type key struct {
		src                  *byte
		start, end, embedded int
		enc                  string
		attachment           bool // a reader may treat it differently
	}
	seen := map[key]bool{}
	return Walk(root, func(p *Part) error {
		if !p.IsLeaf() || p.IsPartial {
			return nil
		}
		var src *byte
		if len(p.msg) > 0 {
			src = &p.msg[0]
		}
		k := key{src, p.BodyStart, p.End, -1, p.Encoding, p.IsAttachment()}
		if seen[k] {
			return nil
		}
		seen[k] = true
		data, _ := p.Decode() // undecodable bytes come back raw: scan them
		if err := fn(Content{Part: p, Name: p.Filename, Data: data}); err != nil {
			return err
		}
		if !strings.HasPrefix(p.ContentType, "text/") {
			return nil
		}
		var emb []Embedded
		switch p.Encoding {
		case "x-uuencode", "uuencode", "x-uue", "uue":
			// The body is the uuencoded data, already offered decoded.
		default:
			emb = append(emb, scanUU(data, true)...)
		}
		emb = append(emb, scanYEnc(data)...)
		emb = append(emb, scanBinHex(data)...)
		for i := range emb {
			e := &emb[i]
			if err := fn(Content{Part: p, Embedded: e, Name: e.Name, Data: e.Data}); err != nil {
				return err
			}
		}
		return nil
	})
}
