package postfix

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sigtool/sigtool/internal/postfixtest"
)

// TestMilterBareCR: mail whose lines end in a bare CR (old Mac mailers;
// the corpus's sisimai "mac" set) is one header line to Postfix, which
// also turns each CR into a space before anything else sees it. So the
// milter is handed, and the recipient gets, a message with no body and
// no MIME parts: the message/partial or the attachment that `sigtool
// mailscan` and `sigtool scan` find in the file as sent is not in the
// mail Postfix delivers. Every path reads the bytes it is given with the
// same walker and the same answer: the milter's "deliver" is mailscan's
// on Postfix's form, and nothing delivered holds the payload.
func TestMilterBareCR(t *testing.T) {
	postfixtest.Require(t)
	ours := newSigupdated(t, "", "")
	ours.start()
	pf := postfixtest.Start(t, postfixtest.Config{
		Listeners: []*postfixtest.Listener{
			{Name: "plain", Options: []string{"smtpd_milters="}},
			{Name: "ours"},
		},
		Mailboxes: []string{"plain", "ours"},
		Main:      milterMain(t, ours.addr),
	})
	partial, err := os.ReadFile(filepath.Join(repo, "../shared/corpus/mail/sisimai/mac/lhost-bigfoot-01.eml"))
	if err != nil {
		t.Skipf("../shared/corpus/mail: %v", err)
	}
	infected := runMails(t)["infected-attachment"]
	msgs := map[string][]byte{
		"partial@client.test":  partial,
		"infected@client.test": bytes.ReplaceAll(infected, []byte("\n"), []byte("\r")),
	}
	// As sent, both are acted on.
	dir := t.TempDir()
	for from, m := range msgs {
		p := filepath.Join(dir, from)
		os.WriteFile(p, m, 0o644)
		out, _ := ours.sigtool("--db", filepath.Join(ours.dir, "sigtool.db"), "mailscan", "--quarantine", filepath.Join(dir, "q.db"), p)
		if strings.Contains(out, ": deliver") {
			t.Errorf("sigtool mailscan of %s as sent: %s", from, out)
		}
	}
	for _, l := range []string{"plain", "ours"} {
		for from, m := range msgs {
			if err := postfixtest.Send(pf.Addr(l), postfixtest.Envelope{From: from, To: []string{l + "@example.edu"}, Data: m}); err != nil {
				t.Fatalf("%s via %s: %v", from, l, err)
			}
		}
	}
	pf.WaitIdle(t, time.Minute)
	plain, got := delivered(t, pf, "plain"), delivered(t, pf, "ours")
	for from := range msgs {
		p, o := plain[from], got[from]
		if p == nil || o == nil {
			t.Fatalf("%s: delivered plain %v, through our milter %v", from, p != nil, o != nil)
		}
		if bytes.Contains(p, []byte("\r")) {
			t.Errorf("%s: Postfix delivered bare CRs; this test's premise is gone:\n%q", from, p)
		}
		if _, body := postfixtest.Split(p); len(bytes.TrimSpace(body)) != 0 {
			t.Errorf("%s: Postfix delivered a body; this test's premise is gone:\n%q", from, p)
		}
		// The milter says what mailscan says of the same bytes.
		pp := filepath.Join(dir, "postfix-"+from)
		os.WriteFile(pp, p, 0o644)
		out, _ := ours.sigtool("--db", filepath.Join(ours.dir, "sigtool.db"), "mailscan", "--quarantine", filepath.Join(dir, "q.db"), pp)
		h, _ := postfixtest.Split(o)
		if st := postfixtest.Field(h, "X-Virus-Status"); !strings.Contains(out, ": deliver") || len(st) != 1 || st[0] != "Clean" {
			t.Errorf("%s: on Postfix's form mailscan says %q, the milter delivered with status %q", from, out, st)
		}
	}
	scanOut, _ := ours.sigtool("--db", filepath.Join(ours.dir, "sigtool.db"), "scan", pf.MaildirPath("ours"))
	if strings.Contains(scanOut, "FOUND") || !strings.Contains(scanOut, "Infected files: 0") {
		t.Errorf("sigtool scan of what our milter delivered:\n%s", scanOut)
	}
}
