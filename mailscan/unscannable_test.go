package mailscan

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/sigtool/sigtool/scan"
)

// lzmaZip is a zip whose one member claims method 14 (LZMA), which
// unpack cannot decode: the member's bytes are never seen decoded.
func lzmaZip(t *testing.T) []byte {
	z := zipBytes(t, [2]string{"setup.exe", "MARKER-A hidden by the method"})
	// Patch the method in the local header (offset 8) and in the central
	// directory entry (offset 10 after its signature).
	binary.LittleEndian.PutUint16(z[8:], 14)
	cd := bytes.Index(z, []byte("PK\x01\x02"))
	binary.LittleEndian.PutUint16(z[cd+10:], 14)
	return z
}

// TestUnscannable: every kind of content that could not be scanned
// follows the policy's unscannable rule, never a plain deliver, under each
// of the three choices.
func TestUnscannable(t *testing.T) {
	big := zipBytes(t, [2]string{"big.bin", strings.Repeat("x", 4096)}, [2]string{"small.txt", "fine"})
	limited := scan.DefaultOptions()
	limited.Limits.MaxFileSize = 1024
	kinds := []struct {
		name string
		att  []byte
		opts *scan.Options
		why  string
	}{
		{"unsupported zip method", lzmaZip(t), nil, UnscannableMethod},
		{"unknown container (ace)", append([]byte("\x00\x00\x00\x00\x00\x00\x00**ACE**"), make([]byte, 64)...), nil, UnscannableContainer},
		{"unknown container (upx)", upxPE(), nil, UnscannableContainer},
		{"member over a limit", big, &limited, UnscannableLimit},
		{"corrupt archive", truncated(zipBytes(t, [2]string{"a.txt", strings.Repeat("text ", 200)})), nil, UnscannableCorrupt},
	}
	for _, k := range kinds {
		for _, choice := range []string{OnUnscannableRemove, OnUnscannableDeliver, OnUnscannableTempfail} {
			t.Run(k.name+"/"+choice, func(t *testing.T) {
				p := testPolicy()
				p.Unscannable = choice
				opts := scan.DefaultOptions()
				if k.opts != nil {
					opts = *k.opts
				}
				s := NewScanner(scan.New(fakeDetector{}, opts), p, openStore(t))
				msg := mailWith("see the file", [2]string{"file.bin", string(k.att)})
				o, err := s.Process(context.Background(), msg, Envelope{})
				name := "Policy.Unscannable." + k.why
				switch choice {
				case OnUnscannableRemove:
					if err != nil || o.Action != Rewrite || len(o.Findings) != 1 || o.Findings[0].Signature != name || o.Findings[0].Action != Removed {
						t.Fatalf("%v %s %+v, want %s removed", err, o.Action, o.Findings, name)
					}
					if !strings.Contains(string(o.Message), "file.bin is removed from here") || !strings.Contains(string(o.Message), "see the file") {
						t.Fatal("notice or text missing")
					}
				case OnUnscannableDeliver:
					if err != nil || o.Action != Flag || len(o.Findings) != 1 || o.Findings[0].Signature != name || o.Findings[0].Action != Flagged {
						t.Fatalf("%v %s %+v, want %s flagged", err, o.Action, o.Findings, name)
					}
					if !bytes.Equal(o.Message, msg) {
						t.Fatalf("flagged message changed:\n%s", o.Message)
					}
					if st := o.Header[len(o.Header)-1]; st.Value != "Unscannable ("+name+")" {
						t.Fatalf("status field %+v, want Unscannable (%s)", st, name)
					}
				case OnUnscannableTempfail:
					if !errors.Is(err, ErrUnscannable) || o.Action != Error || !bytes.Equal(o.Message, msg) || !strings.Contains(err.Error(), name) {
						t.Fatalf("%v %s, want error naming %s", err, o.Action, name)
					}
				}
			})
		}
	}
}

// upxPE is the head of a PE file whose first section is called UPX0.
func upxPE() []byte {
	pe := make([]byte, 1024)
	copy(pe, "MZ")
	binary.LittleEndian.PutUint32(pe[0x3c:], 0x80)
	copy(pe[0x80:], "PE\x00\x00")
	binary.LittleEndian.PutUint16(pe[0x86:], 1)
	binary.LittleEndian.PutUint16(pe[0x94:], 0xe0)
	copy(pe[0x80+24+0xe0:], "UPX0")
	return pe
}

func truncated(b []byte) []byte { return b[:len(b)/2] }
