package mailscan

import (
	"context"
	"slices"
	"testing"
)

func TestStamp(t *testing.T) {
	infected := golden(t, "attachment-7bit-lf") // To: bob@example.edu
	clean := []byte("From: a@example.org\r\nTo: bob@example.edu\r\nSubject: hi\r\n\r\nhello\r\n")
	other := testPolicy()
	other.Domains = []string{"example.com"}
	versions := map[string]int{"main": 62, "daily": 27000}
	scanned := "sigtool daily:27000 main:62 at gw.test"
	tests := []struct {
		name   string
		p      Policy
		msg    []byte
		env    Envelope
		status string // "" for no fields at all
	}{
		{"clean", testPolicy(), clean, Envelope{}, "Clean"},
		{"rewritten", testPolicy(), infected, Envelope{}, "Cleaned (Test.Marker.A in invoice.exe)"},
		{"out of scope: not scanned, no claim", other, infected, Envelope{}, ""},
		{"outbound: not scanned, no claim", testPolicy(), infected, Envelope{Direction: "outbound"}, ""},
		{"deleted", testPolicy(), withHeader(clean, "Content-Type: message/partial; id=x; number=1"), Envelope{}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newTestScanner(t, tc.p)
			out, err := s.Process(context.Background(), tc.msg, tc.env)
			if err != nil {
				t.Fatal(err)
			}
			got := Stamp(out, versions, tc.p.Gateway)
			if tc.status == "" {
				if got != nil {
					t.Fatalf("%s: fields %v, want none", out.Action, got)
				}
				return
			}
			want := []HeaderField{{ScannedField, scanned}, {StatusField, tc.status}}
			if !slices.Equal(got, want) {
				t.Fatalf("%s: %v, want %v", out.Action, got, want)
			}
		})
	}
	if Stamp(&Outcome{Action: Error}, versions, "gw") != nil {
		t.Error("a failed message got trace fields")
	}
}

func TestAddFields(t *testing.T) {
	f := []HeaderField{{"X-A", "1"}, {"X-B", "two words"}}
	for _, tc := range []struct{ in, want string }{
		{"Subject: x\r\n\r\nbody\r\n", "X-A: 1\r\nX-B: two words\r\nSubject: x\r\n\r\nbody\r\n"},
		{"Subject: x\n\nbody\n", "X-A: 1\nX-B: two words\nSubject: x\n\nbody\n"},
		{"From a@b Mon Nov 23 10:00:00 2026\nSubject: x\n\n", "From a@b Mon Nov 23 10:00:00 2026\nX-A: 1\nX-B: two words\nSubject: x\n\n"},
	} {
		in := []byte(tc.in)
		if got := string(AddFields(in, f)); got != tc.want {
			t.Errorf("AddFields(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if string(in) != tc.in {
			t.Errorf("AddFields changed its input")
		}
	}
	if v := oneLine("a\r\nb\x00"); v != "a  b " {
		t.Errorf("oneLine: %q", v)
	}
}
