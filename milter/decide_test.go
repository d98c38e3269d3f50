package milter

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/sigtool/sigtool/daemonconfig"
	"github.com/sigtool/sigtool/engine"
)

type noEngine struct{}

func (noEngine) Current() *engine.Snapshot { return nil }

// TestFailedAnswers: a message that cannot be scanned gets on_error (or
// on_oversize) and never an unmarked accept.
func TestFailedAnswers(t *testing.T) {
	msg := []byte("From: a@example.org\r\nTo: b@example.edu\r\n\r\n" + strings.Repeat("x", 2000) + "\r\n")
	tests := []struct {
		name, onError, onOversize string
		maxSize                   daemonconfig.Size
		want                      string // the SMTP reply's start
		stamped                   bool
	}{
		{"no signatures: tempfail", "tempfail", "", 1 << 20, "451 4.7.1 Virus scan failed (no signatures loaded yet)", false},
		{"no signatures: reject", "reject", "", 1 << 20, "554 5.7.0", false},
		{"no signatures: accept, marked", "accept", "", 1 << 20, "250 accept", true},
		{"oversize: tempfail", "tempfail", "", 1 << 10, "452 4.3.4", false},
		{"oversize: its own answer", "tempfail", "reject", 1 << 10, "552 5.3.4", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			text := fmt.Sprintf("[milter]\nlisten = \"inet:7357\"\non_error = %q\nmax_size = %d\n", tc.onError, tc.maxSize)
			if tc.onOversize != "" {
				text += fmt.Sprintf("on_oversize = %q\n", tc.onOversize)
			}
			cfg, err := daemonconfig.Parse([]byte(text))
			if err != nil {
				t.Fatal(err)
			}
			s := New(cfg.Milter, Options{Engine: noEngine{}})
			trx := newTrx(msg)
			d, err := s.decide(context.Background(), trx)
			if err != nil || !strings.HasPrefix(d.String(), tc.want) {
				t.Fatalf("answer %q, %v; want %q", d, err, tc.want)
			}
			mods := trx.Modifications()
			if tc.stamped != (len(mods) == 1 && mods[0].Name == "X-Virus-Status" && strings.HasPrefix(mods[0].Value, " Not scanned (")) {
				t.Errorf("modifications %v", mods)
			}
		})
	}
}

// TestFailedAnswerReplacesForgedStatus: a sender's own status fields go
// when the milter stamps a message it accepts unscanned, as a delivery's do.
func TestFailedAnswerReplacesForgedStatus(t *testing.T) {
	msg := []byte("X-Virus-Status: Clean\r\nFrom: a@example.org\r\nx-virus-status: Clean\r\nTo: b@example.edu\r\n\r\nbody\r\n")
	cfg, err := daemonconfig.Parse([]byte("[milter]\nlisten = \"inet:7357\"\non_error = \"accept\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	s := New(cfg.Milter, Options{Engine: noEngine{}})
	trx := newTrx(msg)
	if _, err := s.decide(context.Background(), trx); err != nil {
		t.Fatal(err)
	}
	var got []string
	for f := trx.Headers().Fields(); f.Next(); {
		if !f.IsDeleted() {
			got = append(got, f.Key()+":"+f.Value())
		}
	}
	want := []string{"X-Virus-Status: Not scanned (no signatures loaded yet)", "From: a@example.org", "To: b@example.edu"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("header after the milter's edits:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
