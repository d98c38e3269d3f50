package unpack

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"path"
	"strings"
)

// ole10Native yields the file of an OLE1 package (the "Package" object
// that Word, Excel, PowerPoint and RTF use to embed any file), stored in an
// \x01Ole10Native stream or an RTF \objdata:
//
//	u32 size of what follows
//	u16 type (2)
//	label, NUL-terminated
//	original path, NUL-terminated
//	u16, u16 (reserved, 3 for a file)
//	u32 length, temporary path (NUL-terminated)
//	u32 data length, data
//
// The member is named "<stream>/<file name>". A package that is not of this
// layout is left to the raw stream's scan.
func (w *walker) ole10Native(stream string, raw []byte) error {
	name, data, ok := parseOle10Native(raw)
	if !ok {
		return nil
	}
	w.info.MemberCount++
	_, stop := w.emit(stream+"/"+name, false, func() (io.Reader, error) {
		return bytes.NewReader(data), nil
	})
	return stop
}

func parseOle10Native(b []byte) (name string, data []byte, ok bool) {
	if len(b) < 6 {
		return "", nil, false
	}
	total := int64(binary.LittleEndian.Uint32(b))
	body := b[4:]
	if total < int64(len(body)) {
		body = body[:total]
	}
	p := 2 // type
	cstr := func() (string, bool) {
		i := bytes.IndexByte(body[min(p, len(body)):], 0)
		if i < 0 || p > len(body) {
			return "", false
		}
		s := string(body[p : p+i])
		p += i + 1
		return s, true
	}
	label, ok1 := cstr()
	orig, ok2 := cstr()
	if !ok1 || !ok2 || p+8 > len(body) {
		return "", nil, false
	}
	p += 4 // reserved, kind
	tlen := int(binary.LittleEndian.Uint32(body[p:]))
	p += 4
	if tlen < 0 || p+tlen+4 > len(body) {
		return "", nil, false
	}
	p += tlen
	dlen := int(binary.LittleEndian.Uint32(body[p:]))
	p += 4
	if dlen < 0 {
		return "", nil, false
	}
	data = body[p:]
	if dlen < len(data) {
		data = data[:dlen]
	}
	name = packageFileName(orig, label)
	return name, data, true
}

// packageFileName is the base of the original path, else the label.
func packageFileName(orig, label string) string {
	base := path.Base(strings.ReplaceAll(orig, "\\", "/"))
	if base == "." || base == "/" || base == "" {
		base = label
	}
	if base == "" {
		base = "package"
	}
	return base
}

// embeddedName makes the member name for the n-th object of a container
// that does not name its objects.
func embeddedName(where string, kind string, n int) string {
	return fmt.Sprintf("%s/%s-%d", where, kind, n)
}
