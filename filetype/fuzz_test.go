package filetype

import (
	"bytes"
	"testing"
)

// FuzzIdentify checks that typing never panics, reads no more than the
// head, and agrees between Identify, Of and Found on any input.
func FuzzIdentify(f *testing.F) {
	for _, s := range []string{
		"MZ", "\x7fELF", "PK\x03\x04", "<html>", "From: a\nMIME-Version: 1.0\nContent-Type: x\n",
		"%PDF-1.4", "\xff\xfe<\x00h\x00t\x00m\x00l\x00>\x00", "\x00<\x00?", "\xca\xfe\xba\xbe\x00\x00\x00\x02",
		"\x00\x00\x00\x01 data MZ" + string(make([]byte, 70)) + "PE\x00\x00",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		t1 := Identify(data)
		if len(data) > HeadSize && Identify(data[:HeadSize]) != t1 {
			t.Fatalf("Identify looks past the head")
		}
		t2, err := Of(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatalf("Of: %v", err)
		}
		if t2 != t1 && !(t1 == Zip && t2 >= OOXMLWord && t2 <= OOXMLHWP) {
			t.Fatalf("Of = %v, Identify = %v", t2, t1)
		}
		if _, err := Found(bytes.NewReader(data), int64(len(data)), t1); err != nil {
			t.Fatalf("Found: %v", err)
		}
	})
}
