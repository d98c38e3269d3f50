package mailmime

import (
	"bytes"
	"strings"
)

// An Embedded is a file carried inside a part's body rather than as a MIME
// part of its own: a uuencoded or yEnc block in a text body, or an
// attachment inside a TNEF (winmail.dat) stream.
type Embedded struct {
	Name string // file name as given by the sender (may be empty)
	Kind string // "uuencode", "yenc" or "binhex"
	Data []byte // decoded content ("binhex": the block as sent, for unpack to decode)
	// Start and End delimit the block's lines, from its begin line to
	// the end of its end line, in the decoded body it was found in, so a
	// rewriter can cut the block and keep the text around it.
	Start, End int
}

// uuBegin reports whether line is a uuencode header "begin MODE NAME" (or
// "begin-base64 MODE NAME", the uuencode -m form) and returns the name.
func uuBegin(line []byte) (name string, b64, ok bool) {
	var rest []byte
	switch {
	case bytes.HasPrefix(line, []byte("begin-base64 ")):
		rest, b64 = line[len("begin-base64 "):], true
	case bytes.HasPrefix(line, []byte("begin ")):
		rest = line[len("begin "):]
	default:
		return "", false, false
	}
	rest = trimWSP(rest)
	sp := bytes.IndexAny(rest, " \t")
	if sp < 1 || sp > 6 {
		return "", false, false
	}
	for _, c := range rest[:sp] {
		if c < '0' || c > '7' {
			return "", false, false
		}
	}
	return string(trimWSP(rest[sp:])), b64, true
}

// decodeUULine decodes one uuencoded line; lines whose length character
// does not fit the line are decoded as far as they go.
func decodeUULine(dst, line []byte) []byte {
	if len(line) == 0 {
		return dst
	}
	n := int((line[0] - ' ') & 63)
	data := line[1:]
	got := 0
	for i := 0; got < n && i < len(data); i += 4 {
		var q [4]byte
		for k := 0; k < 4; k++ {
			if i+k < len(data) {
				q[k] = (data[i+k] - ' ') & 63
			}
		}
		b := [3]byte{q[0]<<2 | q[1]>>4, q[1]<<4 | q[2]>>2, q[2]<<6 | q[3]}
		for k := 0; k < 3 && got < n; k++ {
			dst = append(dst, b[k])
			got++
		}
	}
	return dst
}

// scanUU finds every uuencoded block in b. A block without an "end" line
// runs to the end of b, so nothing is lost. If requireBegin is false and
// there is no begin line, the whole of b is decoded as uuencoded lines (the
// x-uuencode CTE without header).
func scanUU(b []byte, requireBegin bool) []Embedded {
	var out []Embedded
	var cur *Embedded
	var b64buf []byte
	inB64 := false
	for i := 0; i < len(b); {
		ce, next := lineAt(b, i, len(b))
		line := b[i:ce]
		start := i
		i = next
		if cur == nil {
			if name, isB64, ok := uuBegin(line); ok {
				out = append(out, Embedded{Name: name, Kind: "uuencode", Data: []byte{}, Start: start, End: len(b)})
				cur, inB64, b64buf = &out[len(out)-1], isB64, b64buf[:0]
			}
			continue
		}
		t := trimWSP(line)
		if inB64 {
			if string(t) == "====" {
				cur.Data, cur.End = DecodeBase64(b64buf), next
				cur = nil
				continue
			}
			b64buf = append(b64buf, line...)
			continue
		}
		if string(t) == "end" {
			cur.End = next
			cur = nil
			continue
		}
		cur.Data = decodeUULine(cur.Data, line)
	}
	if cur != nil && inB64 {
		cur.Data = DecodeBase64(b64buf)
	}
	if len(out) == 0 && !requireBegin {
		var data []byte
		for i := 0; i < len(b); {
			ce, next := lineAt(b, i, len(b))
			if t := trimWSP(b[i:ce]); string(t) != "end" {
				data = decodeUULine(data, t)
			}
			i = next
		}
		out = append(out, Embedded{Kind: "uuencode", Data: data, End: len(b)})
	}
	return out
}

// scanYEnc finds yEnc blocks ("=ybegin ... name=X" to "=yend"). A block
// without "=yend" runs to the end of b.
func scanYEnc(b []byte) []Embedded {
	var out []Embedded
	var cur *Embedded
	for i := 0; i < len(b); {
		ce, next := lineAt(b, i, len(b))
		line := b[i:ce]
		start := i
		i = next
		switch {
		case bytes.HasPrefix(line, []byte("=ybegin ")):
			name := ""
			if k := bytes.Index(line, []byte(" name=")); k >= 0 {
				name = strings.TrimSpace(string(line[k+len(" name="):]))
			}
			out = append(out, Embedded{Name: name, Kind: "yenc", Data: []byte{}, Start: start, End: len(b)})
			cur = &out[len(out)-1]
		case cur == nil:
		case bytes.HasPrefix(line, []byte("=yend")):
			cur.End = next
			cur = nil
		case bytes.HasPrefix(line, []byte("=ypart ")):
		default:
			for k := 0; k < len(line); k++ {
				c := line[k]
				if c == '=' && k+1 < len(line) {
					k++
					c = line[k] - 64
				}
				cur.Data = append(cur.Data, c-42)
			}
		}
	}
	return out
}

// binhexPrefix starts a BinHex 4.0 block (package unpack, which decodes
// the block, recognises it by the same words).
var binhexPrefix = []byte("(This file must be converted with BinHex")

// scanBinHex finds BinHex blocks: from a line starting with binhexPrefix
// to the line holding the closing ':' (or the end of b).
func scanBinHex(b []byte) []Embedded {
	var out []Embedded
	for i := 0; i < len(b); {
		ce, next := lineAt(b, i, len(b))
		if !bytes.HasPrefix(b[i:ce], binhexPrefix) {
			i = next
			continue
		}
		end := len(b)
		if open := bytes.IndexByte(b[next:], ':'); open >= 0 {
			if c := bytes.IndexByte(b[next+open+1:], ':'); c >= 0 {
				_, end = lineAt(b, next+open+1+c, len(b))
			}
		}
		out = append(out, Embedded{Kind: "binhex", Data: b[i:end:end], Start: i, End: end})
		i = end
	}
	return out
}
