package mailscan

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
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
// of the three choices (a damaged archive with damaged_unscannable).
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
				p.DamagedUnscannable = k.why == UnscannableCorrupt
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

// withoutDirectory is a 7z archive cut where its header (the directory of
// its members) begins, as a transfer cut short leaves it.
func withoutDirectory(sz []byte) []byte {
	// The start header: magic (6), version (2), CRC (4), then the next
	// header's offset from the end of the 32-byte start header.
	return sz[:32+binary.LittleEndian.Uint64(sz[12:20])]
}

// TestDamagedArchive: a damaged archive is judged as ClamAV judges it, on
// its bytes and the members that could be read, so mail with a truncated
// attachment is delivered byte for byte (as clamd and clamav-milter pass
// it), while the whole archive's member is found; damaged_unscannable
// makes the damage unscannable (Corrupt). (clamd's view of the same cut
// archives: clamd's TestSameBytesAsClamd.)
func TestDamagedArchive(t *testing.T) {
	sz, err := os.ReadFile("testdata/marker-lzma.7z")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		att      []byte
		damaged  bool   // with damaged_unscannable
		action   Action // what happens
		finding  string // the one finding's name, if any
		wantSame bool   // the message delivered byte for byte
	}{
		{"7z whole", sz, false, Rewrite, "Test.Marker.A", false},
		{"7z without its directory", withoutDirectory(sz), false, Deliver, "", true},
		{"7z cut in its packed stream", sz[:40], false, Deliver, "", true},
		{"7z without its directory, damaged_unscannable", withoutDirectory(sz), true, Rewrite, "Policy.Unscannable.Corrupt", false},
		{"7z whole, damaged_unscannable", sz, true, Rewrite, "Test.Marker.A", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := testPolicy()
			p.DamagedUnscannable = c.damaged
			s := NewScanner(testEngine(), p, openStore(t))
			msg := mailWith("see the file", [2]string{"file.7z", string(c.att)})
			o, err := s.Process(context.Background(), msg, Envelope{})
			if err != nil || o.Action != c.action {
				t.Fatalf("%v %s %+v, want %s", err, o.Action, o.Findings, c.action)
			}
			if c.finding == "" && len(o.Findings) != 0 || c.finding != "" && (len(o.Findings) != 1 || o.Findings[0].Signature != c.finding) {
				t.Fatalf("findings %+v, want %q", o.Findings, c.finding)
			}
			if same := bytes.Equal(o.Message, msg); same != c.wantSame {
				t.Fatalf("delivered byte for byte: %v, want %v", same, c.wantSame)
			}
			if c.wantSame {
				if st := o.Header[len(o.Header)-1]; st.Value != StatusClean {
					t.Fatalf("status field %+v, want %s", st, StatusClean)
				}
			}
		})
	}
}
