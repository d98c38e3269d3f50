package clamd

import (
	"bytes"
	"context"
	"encoding/base64"
	"testing"

	"github.com/sigtool/sigtool/mailscan"
	"github.com/sigtool/sigtool/quarantine"
)

// TestScanMailFlagHasBody: a message the policy delivers flagged (an
// attachment it could not open, unscannable = "deliver") comes back with
// its body, like a delivered or rewritten one; only delete and error
// have none. A flag reply without a body would deliver an empty message.
func TestScanMailFlagHasBody(t *testing.T) {
	snap := compileTest(t, sigFiles(), 1)
	p := mailscan.DefaultPolicy()
	p.Unscannable = mailscan.OnUnscannableDeliver
	q, err := quarantine.OpenShared(t.TempDir() + "/q.db")
	if err != nil {
		t.Fatal(err)
	}
	snap.Mail = mailscan.NewScanner(snap.Scan, p, q)
	eng := &fixedEngine{}
	eng.p.Store(snap)
	// An ACE archive: a container unpack recognises and cannot open.
	ace := append([]byte("\x00\x00\x00\x00\x00\x00\x00**ACE**"), make([]byte, 64)...)
	msg := []byte("From: a@example.org\nTo: b@example.edu\nSubject: x\nMIME-Version: 1.0\n" +
		"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nsee the file\n--b\n" +
		"Content-Type: application/octet-stream; name=setup.ace\nContent-Disposition: attachment; filename=setup.ace\n" +
		"Content-Transfer-Encoding: base64\n\n" + base64.StdEncoding.EncodeToString(ace) + "\n--b--\n")
	rep, body := ScanMail(context.Background(), eng, msg, mailscan.Envelope{})
	if rep.Action != mailscan.Flag {
		t.Fatalf("action %s (%+v), want flag", rep.Action, rep)
	}
	if rep.Size != len(body) || !bytes.HasSuffix(body, msg) || !bytes.Contains(body, []byte("\nX-Virus-Status: Unscannable (Policy.Unscannable.UnknownContainer)\n")) {
		t.Fatalf("flag reply: size %d, body %q", rep.Size, body)
	}
}
