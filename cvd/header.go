package cvd

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// HeaderSize is the size of a container header; the body starts after it.
const HeaderSize = 512

// Magic is the first header field.
const Magic = "ClamAV-VDB"

// TimeLayout is sigtool's strftime("%d %b %Y %H-%M %z"): '-' between hour
// and minute because ':' separates the fields.
const TimeLayout = "02 Jan 2006 15-04 -0700"

// Header is a parsed container header, or the first line of a .info file,
// which has the same fields.
type Header struct {
	Raw      string    // the text as read: all 512 bytes, or the .info line
	TimeText string    // field 1, the human-readable build time
	Time     time.Time // from Seconds when present, else parsed from TimeText
	Version  int
	Sigs     int
	FLevel   int
	MD5      string // 32 hex digits of MD5(body), or "X"
	DSig     string // legacy RSA signature of MD5, or "X"
	Builder  string
	Seconds  int64 // field 8, Unix build time; 0 when absent (very old files)
}

var headerFieldNames = [...]string{"magic", "build time", "version", "signature count",
	"FLEVEL", "MD5", "dsig", "builder", "build seconds"}

// ParseHeader parses the first HeaderSize bytes of b. Every byte must be
// printable ASCII: freshclam rejects anything else, and a binary byte in a
// header means we are not looking at a header.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < HeaderSize {
		return Header{}, fmt.Errorf("%w: header is %d of %d bytes", ErrTruncated, len(b), HeaderSize)
	}
	b = b[:HeaderSize]
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			return Header{}, fmt.Errorf("%w: byte %d is not printable (0x%02x)", ErrBadHeader, i, c)
		}
	}
	h, err := parseHeaderText(strings.TrimRight(string(b), " "))
	if err != nil {
		return Header{}, err
	}
	h.Raw = string(b)
	return h, nil
}

// parseHeaderText parses the colon-separated fields without padding.
func parseHeaderText(s string) (Header, error) {
	f := strings.Split(s, ":")
	if len(f) != 8 && len(f) != 9 {
		return Header{}, fmt.Errorf("%w: %d fields, want 8 or 9", ErrBadHeader, len(f))
	}
	if f[0] != Magic {
		return Header{}, fmt.Errorf("%w: magic %.16q, want %q", ErrBadHeader, f[0], Magic)
	}
	for i, v := range f {
		if v == "" {
			return Header{}, fmt.Errorf("%w: field %d (%s) is empty", ErrBadHeader, i, headerFieldNames[i])
		}
	}
	h := Header{Raw: s, TimeText: f[1], MD5: f[5], DSig: f[6], Builder: f[7]}
	for i, dst := range []*int{&h.Version, &h.Sigs, &h.FLevel} {
		n, err := parseDecimal(f[2+i])
		if err != nil {
			return Header{}, fmt.Errorf("%w: field %d (%s): %v", ErrBadHeader, 2+i, headerFieldNames[2+i], err)
		}
		*dst = int(n)
	}
	if len(f) == 9 {
		n, err := parseDecimal(f[8])
		if err != nil {
			return Header{}, fmt.Errorf("%w: field 8 (build seconds): %v", ErrBadHeader, err)
		}
		h.Seconds = n
		h.Time = time.Unix(n, 0).UTC()
		return h, nil
	}
	t, err := time.Parse(TimeLayout, h.TimeText)
	if err != nil {
		return Header{}, fmt.Errorf("%w: build time %q: want %q", ErrBadHeader, h.TimeText, TimeLayout)
	}
	h.Time = t
	return h, nil
}

// parseDecimal accepts only ASCII digits: strconv alone would take signs
// and underscores-free forms we never write, like "+5".
func parseDecimal(s string) (int64, error) {
	if s == "" || len(s) > 18 {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("%q is not a number", s)
		}
	}
	return strconv.ParseInt(s, 10, 64)
}

// Text formats h as header fields without padding, the form the first line
// of a .info file takes. An empty TimeText is formatted from Time, empty
// MD5 and DSig become "X", and Seconds (or Time) fills field 8 unless both
// are zero.
func (h Header) Text() (string, error) {
	tt := h.TimeText
	if tt == "" {
		if h.Time.IsZero() {
			return "", fmt.Errorf("%w: no build time", ErrBadHeader)
		}
		tt = h.Time.Format(TimeLayout)
	}
	md5, dsig := orX(h.MD5), orX(h.DSig)
	for _, v := range [...]struct{ name, s string }{
		{"build time", tt}, {"MD5", md5}, {"dsig", dsig}, {"builder", h.Builder},
	} {
		if v.s == "" || strings.ContainsRune(v.s, ':') || !printable(v.s) {
			return "", fmt.Errorf("%w: %s %q is empty or has ':' or unprintable bytes", ErrBadHeader, v.name, v.s)
		}
	}
	if h.Version < 0 || h.Sigs < 0 || h.FLevel < 0 || h.Seconds < 0 {
		return "", fmt.Errorf("%w: negative number", ErrBadHeader)
	}
	s := fmt.Sprintf("%s:%s:%d:%d:%d:%s:%s:%s", Magic, tt, h.Version, h.Sigs, h.FLevel, md5, dsig, h.Builder)
	secs := h.Seconds
	if secs == 0 && !h.Time.IsZero() {
		secs = h.Time.Unix()
	}
	if secs > 0 {
		s += ":" + strconv.FormatInt(secs, 10)
	}
	return s, nil
}

// Marshal returns the 512-byte header: Text padded with spaces.
func (h Header) Marshal() ([HeaderSize]byte, error) {
	var b [HeaderSize]byte
	s, err := h.Text()
	if err != nil {
		return b, err
	}
	if len(s) > HeaderSize {
		return b, fmt.Errorf("%w: %d bytes, more than %d", ErrBadHeader, len(s), HeaderSize)
	}
	n := copy(b[:], s)
	for i := n; i < HeaderSize; i++ {
		b[i] = ' '
	}
	return b, nil
}

func orX(s string) string {
	if s == "" {
		return "X"
	}
	return s
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
