package mailscan

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/sigtool/sigtool/internal/buildinfo"
	"github.com/sigtool/sigtool/mailmime"
)

var testFields = []HeaderField{{"X-Virus-Scanned", "sigtool 1 at gw"}, {"X-Virus-Status", "Clean"}}

// TestAddFields: the fields go on top (below an mbox From_ line and a BOM),
// in the message's line ending; the sender's fields of the same names go,
// in every form a lenient reader takes as one; everything else stays
// byte for byte.
func TestAddFields(t *testing.T) {
	const top = "X-Virus-Scanned: sigtool 1 at gw\nX-Virus-Status: Clean\n"
	tests := []struct{ name, in, want string }{
		{"plain", "From: a@b\nSubject: s\n\nbody\n", top + "From: a@b\nSubject: s\n\nbody\n"},
		{"crlf", "From: a@b\r\n\r\nbody\r\n", strings.ReplaceAll(top, "\n", "\r\n") + "From: a@b\r\n\r\nbody\r\n"},
		{"mbox From_ line stays first", "From a@b Sat Jan  3 01:05:34 1996\nTo: c@d\n\nx\n",
			"From a@b Sat Jan  3 01:05:34 1996\n" + top + "To: c@d\n\nx\n"},
		{"BOM stays first", "\xef\xbb\xbfFrom: a@b\n\nx\n", "\xef\xbb\xbf" + top + "From: a@b\n\nx\n"},
		{"sender's status replaced", "X-Virus-Status: Clean\nFrom: a@b\nx-virus-scanned: fake\n\nX-Virus-Status: in the body\n",
			top + "From: a@b\n\nX-Virus-Status: in the body\n"},
		{"folded and commented forms replaced", "From: a@b\nX-Virus-Status (x): Clean\nX-Virus-\n Status: Clean\nX-Virus-Status: Clean,\n  really\nTo: c@d\n\nx\n",
			top + "From: a@b\nTo: c@d\n\nx\n"},
		{"similar names kept", "X-Virus-Status-Old: Clean\nX-Virus: x\n\nx\n", top + "X-Virus-Status-Old: Clean\nX-Virus: x\n\nx\n"},
		{"no header", "\nbody only\n", top + "\nbody only\n"},
		{"leading continuation not joined to ours", " stray\nFrom: a@b\n\nx\n", " stray\n" + top + "From: a@b\n\nx\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := []byte(tt.in)
			got := AddFields(in, testFields)
			if string(got) != tt.want {
				t.Fatalf("got\n%q\nwant\n%q", got, tt.want)
			}
			if string(in) != tt.in {
				t.Fatal("AddFields changed its input")
			}
			// Ours are the only fields of these names, read either way.
			for _, lenient := range []bool{false, true} {
				h, _ := mailmime.ReadHeader(got, lenient)
				if v := h.Lookup("x-virus-status"); len(v) != 1 || v[0] != "Clean" {
					t.Errorf("lenient=%v: X-Virus-Status fields %q", lenient, v)
				}
			}
			// Adding twice is adding once.
			if again := AddFields(got, testFields); !bytes.Equal(again, got) {
				t.Errorf("second stamp:\n%q", again)
			}
		})
	}
	msg := []byte("From: a@b\n\nx\n")
	if got := AddFields(msg, nil); &got[0] != &msg[0] {
		t.Error("AddFields without fields copied the message")
	}
}

func TestAddFieldsFolds(t *testing.T) {
	var names []string
	for i := range 12 {
		names = append(names, "Win.Trojan.Agent-"+strings.Repeat("9", i))
	}
	got := AddFields([]byte("From: a@b\n\nx\n"), []HeaderField{{"X-Virus-Status", "Infected (" + strings.Join(names, ", ") + ")"}})
	h, body := mailmime.ReadHeader(got, false)
	if len(h.Fields) != 2 || h.Fields[0].Value != "Infected ("+strings.Join(names, ", ")+")" || string(got[body:]) != "x\n" {
		t.Fatalf("folded field reads back as %+v", h.Fields)
	}
	for _, line := range strings.Split(string(h.Fields[0].Raw), "\n") {
		if len(line) > 78 {
			t.Errorf("line of %d columns: %q", len(line), line)
		}
	}
}

// TestOutcomeHeader: each outcome gets its status, only scanned messages
// get fields, and the policy's names and off switch are obeyed. Message
// never holds the fields; Delivery does.
func TestOutcomeHeader(t *testing.T) {
	p := testPolicy()
	enc := golden(t, "encrypted-zip")
	clean := mailWith("hello", [2]string{"a.bin", "nothing here"})
	infected := mailWith("hello", [2]string{"a.bin", "MARKER-A"}, [2]string{"b.bin", "MARKER-B"})
	scoped := testPolicy()
	scoped.Domains = []string{"elsewhere.test"}
	off := testPolicy()
	off.Headers.Add = false
	renamed := testPolicy()
	renamed.Headers = Headers{Add: true, Status: "X-MX1-Virus"}
	tests := []struct {
		name   string
		p      Policy
		msg    []byte
		env    Envelope
		action Action
		want   []string // "Name: Value" of each field, Scanned's value checked apart
	}{
		{"clean", p, clean, Envelope{}, Deliver, []string{"X-Virus-Scanned", "X-Virus-Status: Clean"}},
		{"infected", p, infected, Envelope{}, Rewrite, []string{"X-Virus-Scanned", "X-Virus-Status: Infected (Test.Marker.A, Test.Marker.B)"}},
		{"policy removal", p, enc, Envelope{}, Rewrite, []string{"X-Virus-Scanned", "X-Virus-Status: Removed (Policy.Encrypted)"}},
		{"deleted", p, golden(t, "partial"), Envelope{}, Delete, nil},
		{"outbound, not scanned", p, infected, Envelope{Direction: "outbound"}, Deliver, nil},
		{"out of scope, not scanned", scoped, infected, Envelope{}, Deliver, nil},
		{"off switch", off, infected, Envelope{}, Rewrite, nil},
		{"renamed, scanned left out", renamed, infected, Envelope{}, Rewrite, []string{"X-MX1-Virus: Infected (Test.Marker.A, Test.Marker.B)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestScanner(t, tt.p)
			s = s.WithVersions(map[string]int{"main": 62, "daily": 27500, "local.ndb": 0})
			o, err := s.Process(context.Background(), tt.msg, tt.env)
			if err != nil || o.Action != tt.action {
				t.Fatalf("%v %s", err, o.Action)
			}
			if len(o.Header) != len(tt.want) {
				t.Fatalf("header %+v, want %q", o.Header, tt.want)
			}
			for i, w := range tt.want {
				f := o.Header[i]
				if name, value, ok := strings.Cut(w, ": "); f.Name != name || ok && f.Value != value {
					t.Errorf("field %d = %+v, want %q", i, f, w)
				}
				if f.Name == "X-Virus-Scanned" {
					if want := "sigtool " + buildinfo.Version() + " (daily 27500, local.ndb, main 62) at gw.test"; f.Value != want {
						t.Errorf("scanned = %q, want %q", f.Value, want)
					}
				}
			}
			if bytes.Contains(o.Message, []byte("X-Virus-")) {
				t.Error("Message holds the fields; they belong in Header")
			}
			d := o.Delivery()
			if tt.action == Delete {
				if d != nil {
					t.Fatal("a deleted message has something to deliver")
				}
				return
			}
			if !bytes.Equal(d, AddFields(o.Message, o.Header)) {
				t.Fatal("Delivery is not Message stamped")
			}
			if len(o.Header) == 0 && &d[0] != &o.Message[0] {
				t.Fatal("Delivery without fields is not Message itself")
			}
		})
	}
}

// TestNoHeaderOnError: a message not handled claims no scan.
func TestNoHeaderOnError(t *testing.T) {
	s := NewScanner(testEngine(), testPolicy(), nil) // nowhere to keep what it removes
	o, err := s.Process(context.Background(), mailWith("x", [2]string{"a.bin", "MARKER-A"}), Envelope{})
	if err == nil || o.Action != Error || o.Header != nil || o.Scanned() {
		t.Fatalf("%v %s %+v", err, o.Action, o.Header)
	}
}

// TestHeaderNames: the policy may rename the fields but not to one a
// delivery would then remove from every message.
func TestHeaderNames(t *testing.T) {
	for name, ok := range map[string]bool{
		"X-Virus-Status": true, "X-MX1-Scan": true, "": true,
		"Received": false, "subject": false, "Content-Type": false, "ARC-Seal": false,
		"X Virus": false, "X-Virus:": false, "X-Vírus": false,
	} {
		p := testPolicy()
		p.Headers.Status = name
		if err := p.Validate(); (err == nil) != ok {
			t.Errorf("status = %q: %v", name, err)
		}
	}
	p := testPolicy()
	p.Headers.Scanned = "x-virus-status"
	if err := p.Validate(); err == nil {
		t.Error("scanned and status may have one name")
	}
	// A signature name with a line break cannot forge a field.
	if got := headerText("Bad\r\nX-Virus-Status: Clean"); strings.ContainsAny(got, "\r\n") {
		t.Errorf("headerText kept a line break: %q", got)
	}
}
