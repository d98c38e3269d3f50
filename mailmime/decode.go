package mailmime

import "fmt"

// Decode returns the body with its Content-Transfer-Encoding undone:
// base64 and quoted-printable leniently (see DecodeBase64,
// DecodeQuotedPrintable), x-uuencode by its blocks, and everything else
// (7bit, 8bit, binary, absent or unknown encodings) as the raw bytes, so a
// scanner scans more rather than less. The only error is ErrNoUUData for a
// uuencode part with nothing decodable; the raw body is returned with it.
func (p *Part) Decode() ([]byte, error) {
	body := p.Body()
	switch p.Encoding {
	case "base64":
		return DecodeBase64(body), nil
	case "quoted-printable":
		return DecodeQuotedPrintable(body), nil
	case "x-uuencode", "uuencode", "x-uue", "uue":
		var data []byte
		for _, e := range scanUU(body, false) {
			data = append(data, e.Data...)
		}
		if len(data) == 0 && len(body) > 0 {
			return body, fmt.Errorf("part at byte %d: %w", p.Start, ErrNoUUData)
		}
		return data, nil
	}
	return body, nil
}

// Uuencoded returns the uuencoded blocks ("begin 644 name" ... "end") in
// the part's decoded body; for an x-uuencode part, its blocks. It returns
// nil for parts with children.
func (p *Part) Uuencoded() []Embedded {
	if !p.IsLeaf() {
		return nil
	}
	switch p.Encoding {
	case "x-uuencode", "uuencode", "x-uue", "uue":
		return scanUU(p.Body(), false)
	}
	data, _ := p.Decode()
	return scanUU(data, true)
}

// YEnc returns the yEnc blocks ("=ybegin" ... "=yend") in the part's
// decoded body.
func (p *Part) YEnc() []Embedded {
	if !p.IsLeaf() {
		return nil
	}
	data, _ := p.Decode()
	return scanYEnc(data)
}

// BinHex returns the BinHex 4.0 blocks in the part's decoded body, as
// sent (Data is the encoded block; package unpack decodes it).
func (p *Part) BinHex() []Embedded {
	if !p.IsLeaf() {
		return nil
	}
	data, _ := p.Decode()
	return scanBinHex(data)
}

// Text returns the decoded body of a text part converted to UTF-8 from its
// charset parameter; ok is false when the charset is unknown (the bytes are
// then returned as they are).
func (p *Part) Text() (string, bool) {
	data, _ := p.Decode()
	return decodeCharset(p.Params["charset"], data)
}
