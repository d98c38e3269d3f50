package milter

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/d--j/go-milter/mailfilter/testtrx"

	"github.com/sigtool/sigtool/mailscan"
)

// toCRLF writes every line end as CRLF, as a message arrives over SMTP.
func toCRLF(b []byte) []byte {
	return bytes.ReplaceAll(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
}

// newTrx is a transaction as the MTA hands msg over: header fields and
// body apart.
func newTrx(msg []byte) *testtrx.Trx {
	i := bytes.Index(msg, []byte("\r\n\r\n"))
	return (&testtrx.Trx{}).SetHeadersRaw(msg[:i+4]).SetBodyBytes(msg[i+4:])
}

// TestApplyGolden: every rewrite the policy's golden files hold, sent as
// milter modifications, gives the MTA exactly the rewritten message.
func TestApplyGolden(t *testing.T) {
	ins, _ := filepath.Glob("../mailscan/testdata/golden/*.eml")
	if len(ins) < 20 {
		t.Fatalf("only %d golden messages", len(ins))
	}
	for _, in := range ins {
		t.Run(filepath.Base(in), func(t *testing.T) {
			orig, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			out, err := os.ReadFile(strings.TrimSuffix(in, ".eml") + ".out")
			if err != nil || len(out) == 0 || bytes.HasPrefix(orig, []byte("From ")) {
				t.Skip("no rewrite, or an mbox line no MTA sends")
			}
			orig, out = toCRLF(orig), toCRLF(out)
			stamped := mailscan.AddFields(out, []mailscan.HeaderField{{Name: "X-Virus-Scanned", Value: "sigtool test:1 at gw.test"}})
			for _, final := range [][]byte{orig, out, stamped} {
				trx := newTrx(orig)
				m, err := readMessage(trx, 1<<30, 1000)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(m.raw, orig) {
					t.Fatalf("message put together differs from the one sent:\n%s", m.raw)
				}
				if err := m.apply(trx, final); err != nil {
					t.Fatal(err)
				}
				got, _ := io.ReadAll(trx.Data())
				if !bytes.Equal(got, final) {
					t.Fatalf("the MTA would hold\n%s\nwant\n%s\nmodifications %v", got, final, trx.Modifications())
				}
				if bytes.Equal(final, orig) && len(trx.Modifications()) != 0 {
					t.Errorf("unchanged message, modifications %v", trx.Modifications())
				}
			}
		})
	}
}

// TestEditFields: what the MTA is told for each kind of header change;
// fields the policy did not touch are never named.
func TestEditFields(t *testing.T) {
	head := "From: a@example.org\r\nTo: b@example.edu\r\nSubject: s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nbody\r\n"
	tests := []struct {
		name  string
		final string
		want  []testtrx.Modification
	}{
		{"unchanged", head, nil},
		{"stamped on top", "X-Virus-Scanned: sigtool\r\n" + head,
			[]testtrx.Modification{{Kind: testtrx.InsertHeader, Index: 1, Name: "X-Virus-Scanned", Value: " sigtool"}}},
		{"content type changed", strings.Replace(head, "Content-Type: text/plain", "Content-Type: multipart/mixed;\r\n boundary=\"x\"", 1),
			[]testtrx.Modification{{Kind: testtrx.ChangeHeader, Index: 1, Name: "Content-Type", Value: " multipart/mixed;\r\n boundary=\"x\""}}},
		{"field removed", strings.Replace(head, "Subject: s\r\n", "", 1),
			[]testtrx.Modification{{Kind: testtrx.ChangeHeader, Index: 1, Name: "Subject", Value: ""}}},
		{"body replaced", strings.Replace(head, "body\r\n", "new body\r\n", 1),
			[]testtrx.Modification{{Kind: testtrx.ReplaceBody, Body: []byte("new body\r\n")}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			trx := newTrx([]byte(head))
			m, err := readMessage(trx, 1<<20, 100)
			if err != nil {
				t.Fatal(err)
			}
			if err := m.apply(trx, []byte(tc.final)); err != nil {
				t.Fatal(err)
			}
			if d := testtrx.DiffModifications(tc.want, trx.Modifications()); d != "" {
				t.Error(d)
			}
		})
	}
}

// TestReadMessageLimits: over either limit the message is refused whole,
// never scanned in part; folded fields come back with CRLF.
func TestReadMessageLimits(t *testing.T) {
	msg := []byte("Subject: a\r\n folded\r\nTo: b@example.edu\r\n\r\n" + strings.Repeat("x", 100) + "\r\n")
	if m, err := readMessage(newTrx(msg), int64(len(msg)), 2); err != nil || !bytes.Equal(m.raw, msg) {
		t.Fatalf("at the limits: %v\n%q", err, m.raw)
	}
	if _, err := readMessage(newTrx(msg), int64(len(msg))-1, 2); !errors.Is(err, errOversize) {
		t.Errorf("one byte over max_size: %v", err)
	}
	if _, err := readMessage(newTrx(msg), 1<<20, 1); !errors.Is(err, errOversize) {
		t.Errorf("one field over max_headers: %v", err)
	}
}
